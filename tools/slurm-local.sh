#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the batch tests (tools/test starts it in CI).
#   tools/slurm-local.sh start   installs slurm-wlm and munge when missing (root, apt), writes a
#                                slurm.conf for localhost under $NICER_SLURM_DIR, starts munged,
#                                slurmctld and slurmd, waits until the node is idle, and prints
#                                the SLURM_CONF to export
#   tools/slurm-local.sh stop    ends the daemons it started
# Its own conf and state folder, so an existing /etc/slurm is never touched.
set -euo pipefail
dir="${NICER_SLURM_DIR:-/tmp/nicer-slurm}"
conf="$dir/slurm.conf"

stop() {
  for daemon in slurmd slurmctld; do
    [ -f "$dir/$daemon.pid" ] && kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
  done
  [ -f "$dir/munged.pid" ] && kill "$(cat "$dir/munged.pid")" 2>/dev/null || true
  return 0
}

start() {
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      echo "slurm-local: slurm-wlm and munge are not installed, and installing them needs root" >&2
      exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
  fi
  stop
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  chmod 700 "$dir/munge"
  # munged refuses a key or socket folder others can write; it makes its own key when none exists.
  key="$dir/munge/munge.key"
  [ -f "$key" ] || { head -c 1024 /dev/urandom > "$key"; chmod 400 "$key"; }
  munged --key-file="$key" --socket="$dir/munge/socket" --pid-file="$dir/munged.pid" \
         --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" --force
  host="$(hostname -s)"
  cpus="$(nproc)"
  memory_mb="$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)"
  cat > "$conf" <<EOF
ClusterName=nicer-local
SlurmctldHost=$host
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${NICER_SLURM_PORT:-16817}
SlurmdPort=$(( ${NICER_SLURM_PORT:-16817} + 1 ))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
  export SLURM_CONF="$conf"
  slurmctld -f "$conf"
  slurmd -f "$conf"
  for _ in $(seq 1 60); do
    state="$(sinfo -h -o %T 2>/dev/null | head -1 || true)"
    case "$state" in idle*|mix*|alloc*) echo "SLURM_CONF=$conf"; return 0 ;; esac
    sleep 1
  done
  echo "slurm-local: the node did not come up (state '${state:-none}'); see $dir/*.log" >&2
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: tools/slurm-local.sh start|stop" >&2; exit 2 ;;
esac
