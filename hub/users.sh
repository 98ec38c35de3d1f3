#!/usr/bin/env bash
# Create the Unix accounts of a roster (run as root).
#
#   hub/users.sh ROSTER [HOME_BASE]            create missing users, homes mode 700 (default HOME_BASE /home)
#   hub/users.sh --remove ROSTER [HOME_BASE]   delete those users and their homes (end of a course, or a test)
#
# ROSTER has one "username role" per line (role: instructor or student; # starts a comment), the same file
# jupyterhub_config.py reads as IPT_HUB_ROSTER. nbgrader's student id is the Unix user name.
# Homes are made mode 700: Debian's useradd makes them world-readable (755), and a student's returned
# feedback and work live there.
set -euo pipefail
remove=0
if [ "${1:-}" = "--remove" ]; then remove=1; shift; fi
ROSTER=${1:?usage: users.sh [--remove] ROSTER [HOME_BASE]}
HOME_BASE=${2:-/home}
[ "$(id -u)" = 0 ] || { echo "users.sh: run as root" >&2; exit 1; }

grep -v '^[[:space:]]*#' "$ROSTER" | sed 's/#.*//' | while read -r name role extra; do
  [ -n "$name" ] || continue
  case "$role" in instructor|student) ;; *) echo "users.sh: $ROSTER: bad role for $name: '$role'" >&2; exit 1 ;; esac
  [ -z "${extra:-}" ] || { echo "users.sh: $ROSTER: extra text after $name $role" >&2; exit 1; }
  if [ "$remove" = 1 ]; then
    if id "$name" >/dev/null 2>&1; then
      home=$(getent passwd "$name" | cut -d: -f6)
      userdel "$name"
      case "$home" in "$HOME_BASE"/*) rm -rf -- "$home" ;; esac
      echo "removed $name"
    fi
    continue
  fi
  if ! id "$name" >/dev/null 2>&1; then
    mkdir -p "$HOME_BASE"
    useradd --create-home --home-dir "$HOME_BASE/$name" --shell /bin/bash --comment "IPT Workbook $role" "$name"
    echo "created $name ($role)"
  fi
  chmod 700 "$(getent passwd "$name" | cut -d: -f6)"
done
