#!/usr/bin/env bash
# Test services for the hosts/pipeline suites: an sshd and a single-node Slurm (+ munge, fake GPU gres
# devices) on 127.0.0.1, as root, without systemd. Idempotent: `up` reuses what is alive, `down` stops only
# what this script started (by the PIDs in its own state folder), `status` prints the env file.
#
# State lives in $AGORA_SERVICES_DIR (default /tmp/agorabench-services); tests read $DIR/env (shell
# `KEY=value` lines): AGORA_SSH_PORT, AGORA_SSH_USER, AGORA_SSH_KEY, AGORA_SSH_HOST_PUB, AGORA_SSH_KNOWN_HOSTS,
# AGORA_SLURM (1 when Slurm is up), SLURM_CONF. Configs follow ../shared/test-services.md.
set -uo pipefail
DIR="${AGORA_SERVICES_DIR:-/tmp/agorabench-services}"
CMD="${1:-up}"
HOST_SHORT="$(hostname -s)"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_for() { for _ in $(seq 1 "$2"); do eval "$1" && return 0; sleep 0.1; done; return 1; }

sshd_up() {
  mkdir -p "$DIR/ssh" /run/sshd
  chmod 700 "$DIR/ssh"
  [ -f "$DIR/ssh/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/ssh/host_ed25519" -C agora-test-host
  [ -f "$DIR/ssh/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/ssh/client_ed25519" -C agora-test-client
  cp "$DIR/ssh/client_ed25519.pub" "$DIR/ssh/authorized_keys"
  if alive "$DIR/ssh/sshd.pid" && [ -f "$DIR/ssh/port" ]; then return 0; fi
  local port; port="$(free_port)"
  cat > "$DIR/ssh/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $DIR/ssh/host_ed25519
PidFile $DIR/ssh/sshd.pid
AuthorizedKeysFile $DIR/ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowTcpForwarding yes
MaxSessions 50
MaxStartups 100
Subsystem sftp internal-sftp
EOF
  /usr/sbin/sshd -f "$DIR/ssh/sshd_config" -E "$DIR/ssh/sshd.log" 9>&- || { echo "sshd failed to start: $(tail -3 "$DIR/ssh/sshd.log")" >&2; return 1; }
  wait_for "alive $DIR/ssh/sshd.pid" 50 || { echo "sshd did not write its pid file" >&2; return 1; }
  echo "$port" > "$DIR/ssh/port"
  echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$DIR/ssh/host_ed25519.pub")" > "$DIR/ssh/known_hosts"
}

slurm_up() {
  local S="$DIR/slurm"
  mkdir -p "$S/state" "$S/spool" "$S/log" /run/munge
  chown munge:munge /run/munge
  if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged 9>&- || { echo "munged failed to start" >&2; return 1; }
  fi
  [ -e "$S/fakegpu0" ] || mknod "$S/fakegpu0" c 1 3
  [ -e "$S/fakegpu1" ] || mknod "$S/fakegpu1" c 1 3
  if alive "$S/slurmctld.pid" && alive "$S/slurmd.pid"; then return 0; fi
  [ -f "$S/ports" ] || echo "$(free_port) $(free_port)" > "$S/ports"
  read -r CTLD_PORT SLURMD_PORT < "$S/ports"
  cat > "$S/slurm.conf" <<EOF
ClusterName=agoratest
SlurmctldHost=$HOST_SHORT(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$S/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=100
GresTypes=gpu
MinJobAge=600
ReturnToService=2
SchedulerType=sched/backfill
NodeName=$HOST_SHORT NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  echo "CgroupPlugin=cgroup/v1" > "$S/cgroup.conf"
  echo "NodeName=$HOST_SHORT Name=gpu File=$S/fakegpu[0-1]" > "$S/gres.conf"
  export SLURM_CONF="$S/slurm.conf"
  alive "$S/slurmctld.pid" || /usr/sbin/slurmctld -f "$S/slurm.conf" 9>&- || { echo "slurmctld failed: $(tail -3 "$S/log/slurmctld.log")" >&2; return 1; }
  alive "$S/slurmd.pid" || /usr/sbin/slurmd -f "$S/slurm.conf" 9>&- || { echo "slurmd failed: $(tail -3 "$S/log/slurmd.log")" >&2; return 1; }
  # The node turns idle 1–4 s after start; tests submit right away, so wait here.
  wait_for "sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'" 150 || { scontrol update nodename="$HOST_SHORT" state=resume >/dev/null 2>&1; wait_for "sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'" 50 || echo "slurm node not idle: $(sinfo -h 2>&1)" >&2; }
}

write_env() {
  local slurm=0
  alive "$DIR/slurm/slurmctld.pid" && alive "$DIR/slurm/slurmd.pid" && slurm=1
  {
    echo "AGORA_SSH_PORT=$(cat "$DIR/ssh/port" 2>/dev/null)"
    echo "AGORA_SSH_USER=$(id -un)"
    echo "AGORA_SSH_KEY=$DIR/ssh/client_ed25519"
    echo "AGORA_SSH_HOST_PUB=$DIR/ssh/host_ed25519.pub"
    echo "AGORA_SSH_KNOWN_HOSTS=$DIR/ssh/known_hosts"
    echo "AGORA_SLURM=$slurm"
    echo "SLURM_CONF=$DIR/slurm/slurm.conf"
  } > "$DIR/env.tmp" && mv "$DIR/env.tmp" "$DIR/env"
}

stop_pid() { if alive "$1"; then local p; p="$(cat "$1")"; kill "$p" 2>/dev/null; for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null; fi; rm -f "$1"; }

case "$CMD" in
  up)
    if [ "$(id -u)" != "0" ]; then echo "test-services: needs root (sshd, munge, Slurm); skipped" >&2; exit 0; fi
    mkdir -p "$DIR"
    exec 9>"$DIR.lock"; flock 9
    rc=0
    sshd_up || rc=1
    slurm_up || rc=1
    write_env
    cat "$DIR/env"
    exit $rc
    ;;
  down)
    [ -d "$DIR" ] || exit 0
    exec 9>"$DIR.lock"; flock 9
    if [ -f "$DIR/slurm/slurm.conf" ]; then SLURM_CONF="$DIR/slurm/slurm.conf" scancel --user="$(id -un)" >/dev/null 2>&1 || true; fi
    stop_pid "$DIR/slurm/slurmd.pid"
    stop_pid "$DIR/slurm/slurmctld.pid"
    stop_pid "$DIR/ssh/sshd.pid"
    rm -f "$DIR/ssh/port" "$DIR/env"
    # munged is shared system-wide (one socket in /run/munge); leaving it running is harmless.
    exit 0
    ;;
  status)
    for p in ssh/sshd slurm/slurmctld slurm/slurmd; do
      if alive "$DIR/$p.pid"; then echo "$p: running (pid $(cat "$DIR/$p.pid"))"; else echo "$p: stopped"; fi
    done
    [ -f "$DIR/env" ] && cat "$DIR/env"
    exit 0
    ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
