#!/bin/sh
# Test stand-in for the official rabbitmq image's entrypoint (see ../build-standins.sh): the default
# user from RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS, plugins from /etc/rabbitmq/enabled_plugins
# (mounted by the compose file), data in /var/lib/rabbitmq, the server in the foreground as rabbitmq.
set -eu
if [ "${1:-}" = rabbitmq-server ]; then
  mkdir -p /etc/rabbitmq/conf.d /var/lib/rabbitmq
  {
    echo "loopback_users.guest = false"
    [ -n "${RABBITMQ_DEFAULT_USER:-}" ] && echo "default_user = $RABBITMQ_DEFAULT_USER"
    [ -n "${RABBITMQ_DEFAULT_PASS:-}" ] && echo "default_pass = $RABBITMQ_DEFAULT_PASS"
    true
  } > /etc/rabbitmq/conf.d/10-defaults.conf
  chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /etc/rabbitmq/conf.d
  export RABBITMQ_CONFIG_FILES=/etc/rabbitmq/conf.d RABBITMQ_LOGS=- RABBITMQ_ENABLED_PLUGINS_FILE=/etc/rabbitmq/enabled_plugins
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server
fi
exec "$@"
