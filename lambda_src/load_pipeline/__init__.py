"""The event-driven load: thin Powertools Lambdas around the warehouse steps.

``handlers/`` holds one module per function (the entry points named in ``facts/resources.json``);
``steps.py`` does the warehouse work through ``warehouse_seam``; the modules here hold the small
amount of logic the handlers share (configuration, ordering gate, alerts, metrics).
"""
