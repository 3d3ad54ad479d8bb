#!/usr/bin/env bash
# Reference run of the gunicorn-socket lab with plain docker commands: what
# `docgen lab run gunicorn-socket` automates. Prints each command, its output
# and timings. Used to write labs/VERIFIED.md; not used by docgen itself.
#
# usage: verify-by-hand.sh [--image IMG] [--unit FILE] [--site FILE] [--keep] [--no-restart]
#   IMG defaults to docgen-lab-gunicorn-socket:dev (build it from this directory with
#   docgen-ca.pem in the context). Exit status: number of failed checks (0 = all pass).
# pass() and fail() always return 0, so "A && pass || fail" is an if-else here.
# shellcheck disable=SC2015,SC2317
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
IMG=docgen-lab-gunicorn-socket:dev
UNIT="$here/gunicorn.service"
SITE="$here/nginx/my_shop.conf"
KEEP=0 RESTART=1
while [ $# -gt 0 ]; do
  case "$1" in
    --image) IMG=$2; shift ;; --unit) UNIT=$2; shift ;; --site) SITE=$2; shift ;;
    --keep) KEEP=1 ;; --no-restart) RESTART=0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
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
x() { docker exec "$C" "$@"; }
# poll SECONDS CMD...: rerun CMD until it succeeds or the deadline passes.
poll() {
  local end=$(( $(ms) + $1 * 1000 )); shift
  until "$@"; do [ "$(ms)" -ge "$end" ] && return 1; sleep 0.05; done
}

wait_running() {
  local st
  poll 20 sh -c "st=\$(docker exec $C systemctl is-system-running --wait 2>/dev/null); [ -n \"\$st\" ] && echo \"\$st\" > /tmp/.docgen-st.$$"
  st=$(cat /tmp/.docgen-st.$$ 2>/dev/null); rm -f /tmp/.docgen-st.$$
  [ "$st" = running ] && pass "systemctl is-system-running --wait -> $st" || fail "systemctl is-system-running --wait -> '$st'"
}

# ---- start: create, install the lab's files, boot -------------------------------------
C=$(docker create --network none --cap-add SYS_ADMIN --security-opt seccomp=unconfined --cgroupns=host \
      -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock \
      --label docgen.managed=true --label docgen.lab=gunicorn-socket "$IMG" /sbin/init)
stamp "docker create $IMG -> ${C:0:12}"
docker cp "$UNIT" "$C":/etc/systemd/system/gunicorn.service
docker cp "$SITE" "$C":/etc/nginx/sites-available/my_shop
stamp "docker cp gunicorn.service and the nginx site"
docker start "$C" >/dev/null; stamp "docker start"
wait_running

# ---- the lab's step ------------------------------------------------------------------
x sh -c 'ln -s /etc/nginx/sites-available/my_shop /etc/nginx/sites-enabled/ && rm /etc/nginx/sites-enabled/default && systemctl reload-or-restart nginx'
stamp "step: the site linked into sites-enabled, the default site's link removed"
out=$(x sh -c 'systemctl daemon-reload && systemctl enable --now gunicorn' 2>&1); rc=$?
stamp "step: systemctl daemon-reload && systemctl enable --now gunicorn (rc=$rc) ${out//$'\n'/ | }"

# ---- checks ------------------------------------------------------------------------------
l=$(x readlink /etc/systemd/system/multi-user.target.wants/gunicorn.service)
[ -n "$l" ] && pass "enabled: multi-user.target.wants/gunicorn.service -> $l" || fail "enabled: no multi-user.target.wants/gunicorn.service link"
a=$(x systemctl is-active gunicorn)
[ "$a" = active ] && pass "systemctl is-active gunicorn -> $a" || fail "systemctl is-active gunicorn -> $a"
x test -d /run/gunicorn && pass "/run/gunicorn exists" || fail "/run/gunicorn missing"
if poll 10 docker exec "$C" test -S /run/gunicorn/gunicorn.sock; then
  s=$(x stat -c '%F %U %G %a' /run/gunicorn/gunicorn.sock)
  [ "$s" = "socket maiviet www-data 777" ] && pass "stat socket -> $s" || fail "stat socket -> $s"
else
  fail "no socket /run/gunicorn/gunicorn.sock within 10 s"
fi

procs_ok() {  # master (ppid 1) + exactly 3 workers (ppid master), all maiviet:www-data
  local p; p=$(docker exec "$C" ps -o pid=,ppid=,user=,group= -C gunicorn)
  echo "$p" > /tmp/.docgen-ps.$$
  awk 'BEGIN{m=0;w=0;bad=0}
       $2==1 {m++; mp=$1} {u[NR]=$3":"$4; pp[NR]=$2}
       END{for(i=1;i<=NR;i++){ if(u[i]!="maiviet:www-data") bad=1; if(pp[i]!=1 && pp[i]!=mp) bad=1; if(pp[i]==mp) w++ }
           exit !(m==1 && w==3 && NR==4 && !bad)}' /tmp/.docgen-ps.$$
}
if poll 10 procs_ok; then pass "processes: 1 master + 3 workers maiviet:www-data $(tr '\n' ' ' </tmp/.docgen-ps.$$ | tr -s ' ')"
else fail "processes: $(tr '\n' ' ' </tmp/.docgen-ps.$$ | tr -s ' ')"; fi

code() { docker exec "$C" curl -s -o /dev/null -w '%{http_code}' "$@"; }
http_ok() { [ "$(code "$@")" = 200 ]; }
poll 10 http_ok --unix-socket /run/gunicorn/gunicorn.sock http://localhost/ \
  && pass "curl --unix-socket /run/gunicorn/gunicorn.sock http://localhost/ -> 200: $(x curl -s --unix-socket /run/gunicorn/gunicorn.sock http://localhost/ | tr '\n' ' ')" \
  || fail "curl --unix-socket ... -> $(code --unix-socket /run/gunicorn/gunicorn.sock http://localhost/)"
c=$(code http://localhost/); [ "$c" = 200 ] && pass "curl http://localhost/ (nginx) -> $c" || fail "curl http://localhost/ (nginx) -> $c"
c=$(code http://localhost/static/hello.txt); [ "$c" = 200 ] && pass "curl http://localhost/static/hello.txt -> $c" || fail "static -> $c"
j=$(x journalctl -u gunicorn --no-pager -o cat | grep -c '"GET / HTTP/1')
[ "$j" -ge 1 ] && pass "journalctl -u gunicorn has $j access-log lines 'GET / HTTP/1.x'" || fail "no access log line in journalctl -u gunicorn"

# ---- action: kill one worker --------------------------------------------------------------
master=$(x systemctl show -p MainPID --value gunicorn)
victim=
[ -n "$master" ] && [ "$master" != 0 ] && victim=$(x pgrep -P "$master" | head -n1)
if [ -n "$victim" ]; then
  x kill -KILL "$victim"; stamp "action: kill -KILL worker $victim (master $master)"
  respawned() { procs_ok && ! docker exec "$C" ps -p "$victim" >/dev/null; }
  poll 10 respawned && pass "after kill: 1 master + 3 workers again $(tr '\n' ' ' </tmp/.docgen-ps.$$ | tr -s ' ')" || fail "after kill: $(tr '\n' ' ' </tmp/.docgen-ps.$$)"
else
  fail "no worker to kill"
fi

# ---- action: restart the container ---------------------------------------------------------
if [ "$RESTART" -eq 1 ]; then
  docker restart "$C" >/dev/null; stamp "action: docker restart"
  wait_running
  a=$(x systemctl is-active gunicorn)
  [ "$a" = active ] && pass "after restart: systemctl is-active gunicorn -> $a" || fail "after restart: systemctl is-active gunicorn -> $a"
  poll 10 http_ok http://localhost/ && pass "after restart: curl http://localhost/ -> 200" || fail "after restart: nginx -> $(code http://localhost/)"
fi
rm -f /tmp/.docgen-ps.$$
if [ "$KEEP" -eq 1 ]; then stamp "kept container ${C:0:12}"; else docker rm -f "$C" >/dev/null; C=; stamp "docker rm -f"; fi
stamp "done: $FAILS failed"
exit "$FAILS"
