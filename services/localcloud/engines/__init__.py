"""Real database servers (PostgreSQL, MySQL/MariaDB) behind RDS, and the DuckDB engine behind Athena.

Nothing here speaks an AWS API: the handlers under localcloud.aws.* translate API calls into these classes.
"""
