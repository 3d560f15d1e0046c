#!/usr/bin/env bash
# Run once by the postgres image on first start: one database per Involve service.
set -euo pipefail
for service in identity panels mystery_shopping feedback commissioning reporting webhooks; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE involve_${service} OWNER \"$POSTGRES_USER\";"
done
