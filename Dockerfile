# The local cloud as an image: one Python process serving every AWS API on :4566, with the PostgreSQL and
# MariaDB binaries its RDS instances run on. Built by compose/docker-compose.yml (`docker compose up`).
FROM python:3.11.11-slim-bookworm

# postgresql + mariadb-server: servers behind RDS instances (the system services are never started;
# localcloud runs its own per instance). util-linux: setpriv, to run postgres as its own user (it refuses root).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql mariadb-server util-linux \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/localcloud
COPY pyproject.toml README.md constraints.txt ./
COPY services ./services
RUN pip install --no-cache-dir -c constraints.txt .

# Inside a container the server must listen on 0.0.0.0 for the published port to reach it, hence
# LOCALCLOUD_ALLOW_REMOTE; publish the port on 127.0.0.1 only (compose/docker-compose.yml does), since anyone
# who reaches it can run code. Other containers that call it by name list that name in LOCALCLOUD_ALLOWED_HOSTS.
ENV LOCALCLOUD_HOST=0.0.0.0 LOCALCLOUD_ALLOW_REMOTE=1 LOCALCLOUD_PORT=4566 LOCALCLOUD_STATE_DIR=/var/lib/localcloud
VOLUME /var/lib/localcloud
EXPOSE 4566
CMD ["python", "-m", "localcloud.server.main"]
