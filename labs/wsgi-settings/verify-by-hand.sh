#!/usr/bin/env bash
# Reference run of the wsgi-settings lab with plain docker commands: what
# `docgen lab run wsgi-settings` automates. Prints each check and timings.
# Used to write labs/VERIFIED.md; not used by docgen itself.
#
# usage: verify-by-hand.sh [--image IMG] [--settings FILE] [--prod-unit FILE] [--keep]
#   --settings FILE   install FILE as myproject/settings/__init__.py (break-it edits)
#   --prod-unit FILE  use FILE instead of units/gunicorn-prod.service
# Exit status: number of failed checks (0 = all pass).
# pass() and fail() always return 0, so "A && pass || fail" is an if-else here.
# shellcheck disable=SC2015,SC2317
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
IMG=docgen-lab-wsgi-settings:dev
SETTINGS='' PROD="$here/units/gunicorn-prod.service" KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --image) IMG=$2; shift ;; --settings) SETTINGS=$2; shift ;; --prod-unit) PROD=$2; shift ;;
    --keep) KEEP=1 ;; *) echo "unknown argument $1" >&2; exit 2 ;;
  esac; shift
done
ms() { date +%s%3N; }
T0=$(ms)
stamp() { printf '[%5d ms] %s\n' $(( $(ms) - T0 )) "$*"; }
C=
cleanup() { [ -n "$C" ] && [ "$KEEP" -eq 0 ] && docker rm -f "$C" >/dev/null 2>&1; }
trap cleanup EXIT
FAILS=0
pass() { stamp "PASS $*"; }
fail() { stamp "FAIL $*"; FAILS=$((FAILS + 1)); }
poll() { local end=$(( $(ms) + $1 * 1000 )); shift; until "$@"; do [ "$(ms)" -ge "$end" ] && return 1; sleep 0.05; done; }

C=$(docker create --network none --cap-add SYS_ADMIN --security-opt seccomp=unconfined --cgroupns=host \
      -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock \
      --label docgen.managed=true --label docgen.lab=wsgi-settings "$IMG" /sbin/init)
stamp "docker create $IMG -> ${C:0:12}"
docker cp "$here/units/runserver.service" "$C":/etc/systemd/system/runserver.service
docker cp "$here/units/gunicorn-dev.service" "$C":/etc/systemd/system/gunicorn-dev.service
docker cp "$PROD" "$C":/etc/systemd/system/gunicorn-prod.service
[ -n "$SETTINGS" ] && docker cp "$SETTINGS" "$C":/home/maiviet/myproject/myproject/settings/__init__.py
stamp "docker cp units${SETTINGS:+ and settings/__init__.py}"
docker start "$C" >/dev/null; stamp "docker start"
st=
poll 20 sh -c "docker exec $C systemctl is-system-running --wait 2>/dev/null | grep -q ." && st=$(docker exec "$C" systemctl is-system-running)
[ "$st" = running ] && pass "is-system-running -> $st" || fail "is-system-running -> '$st'"

out=$(docker exec "$C" systemctl start runserver gunicorn-dev gunicorn-prod 2>&1); stamp "step: systemctl start runserver gunicorn-dev gunicorn-prod (rc=$?) $out"

body() { docker exec "$C" curl -fsS --max-time 5 "$1" 2>/dev/null; }
expect() {  # expect SECONDS URL NEEDLE LABEL
  local got=
  if poll "$1" sh -c "docker exec $C curl -fsS --max-time 5 '$2' 2>/dev/null | grep -qF '$3'"; then
    pass "$4: curl $2 contains '$3'"
  else
    got=$(body "$2" | head -n1); fail "$4: curl $2 -> '${got:-no answer}'"
  fi
}
expect 15 http://localhost:8001/ "settings=myproject.settings debug=True" "runserver (manage.py setdefault)"
expect 15 http://localhost:8000/ "settings=myproject.settings debug=True" "gunicorn, no env (wsgi.py setdefault)"
expect 15 http://localhost:8002/ "settings=myproject.settings.production debug=False" "gunicorn, DJANGO_SETTINGS_MODULE=...production"

p=$(docker exec "$C" curl -s http://localhost:8000/nope)
case "$p" in *"Using the URLconf defined in"*) pass "DEBUG=True 404 (:8000/nope) is the technical page";; *) fail "DEBUG=True 404 not technical";; esac
p=$(docker exec "$C" curl -s http://localhost:8002/nope)
case "$p" in *"<h1>Not Found</h1>"*) case "$p" in *URLconf*) fail "DEBUG=False 404 leaks the URLconf";; *) pass "DEBUG=False 404 (:8002/nope) is plain '<h1>Not Found</h1>'";; esac;; *) fail "DEBUG=False 404: $p";; esac

w=$(docker exec "$C" su maiviet -c 'cd /home/maiviet/myproject && /home/maiviet/venv/bin/python -c "import myproject.wsgi as w; from django.conf import settings; from django.core.servers.basehttp import get_internal_wsgi_application as g; print(settings.WSGI_APPLICATION, g() is w.application)"' 2>&1 | tail -n1)
[ "$w" = "myproject.wsgi.application True" ] && pass "WSGI_APPLICATION resolves to myproject.wsgi.application: $w" || fail "WSGI_APPLICATION: $w"

for u in runserver gunicorn-dev gunicorn-prod; do
  a=$(docker exec "$C" systemctl is-active "$u"); [ "$a" = active ] && pass "$u $a" || fail "$u $a"
done
if [ "$KEEP" -eq 1 ]; then stamp "kept container ${C:0:12}"; else docker rm -f "$C" >/dev/null; C=; stamp "docker rm -f"; fi
stamp "done: $FAILS failed"
exit "$FAILS"
