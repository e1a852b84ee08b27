terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.25.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "2.7.1"
    }
  }

  # Remote state in the bucket made by terraform/bootstrap, locked with S3-native lock files.
  # The bucket name carries the account id: `terraform init -backend-config=backend.hcl`
  # (see backend.hcl.example and docs/deploy-aws.md).
  backend "s3" {
    key          = "dev/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
