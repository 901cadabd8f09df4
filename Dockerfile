# The tenant backup sidecar (`tenant-backup serve`) as a small image that runs as a non-root user.
#
#   docker build -t tenant-backup .
#   docker run -e ODOO_URL=... -e BACKUPD_TOKEN=... -e BACKUPD_LISTEN=0.0.0.0:8765 \
#     -v backups:/var/lib/tenant-backup -p 127.0.0.1:8765:8765 tenant-backup
#
# See docker-compose.example.yml for Odoo, PostgreSQL and the sidecar together.

FROM rust:1 AS builder
WORKDIR /src
COPY . .
# Without the default `demo` feature: the image carries no Odoo simulator.
RUN cargo build --release --locked -p tenant-backup --no-default-features \
    && install -D -m 0755 target/release/tenant-backup /out/tenant-backup

FROM debian:bookworm-slim
# CA certificates: Odoo and the SMTP server may be reached over TLS.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/tenant-backup --create-home backup
COPY --from=builder /out/tenant-backup /usr/local/bin/tenant-backup
USER backup
WORKDIR /var/lib/tenant-backup
ENV BACKUPD_STORE=/var/lib/tenant-backup \
    BACKUPD_LISTEN=0.0.0.0:8765 \
    BACKUPD_LOG_FORMAT=json
VOLUME ["/var/lib/tenant-backup"]
EXPOSE 8765
STOPSIGNAL SIGTERM
ENTRYPOINT ["tenant-backup"]
CMD ["serve"]
