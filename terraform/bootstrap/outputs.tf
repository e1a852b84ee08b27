output "backend_hcl" {
  description = "Contents of envs/<env>/backend.hcl."
  value       = "bucket = \"${aws_s3_bucket.state.id}\"\nregion = \"${var.region}\"\n"
}
