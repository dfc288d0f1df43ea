"""Past one machine (issue 24): read replicas, a connection pooler, processes side by side."""
