# Sourced by scripts/run and scripts/test: make .venv and install the project (editable) into it.
# Re-installs only when pyproject.toml changed since the last install. Says what it is doing: the
# first install fetches some 60 packages from PyPI, which takes minutes. Callers set pipefail.
ensure_venv() {
  local extras="$1"
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Hotline needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv (a private Python environment in this folder)…"
    "$py" -m venv .venv
  fi
  local stamp=".venv/.installed${extras}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    if [ -f "$stamp" ] || [ -f .venv/.installed ] || [ -f ".venv/.installed[dev]" ]; then
      echo "pyproject.toml changed: bringing .venv up to date${extras:+ (with $extras)}…"
    else
      echo "Installing Hotline${extras:+ with $extras} and its packages from PyPI into .venv."
      echo "First time only: some 60 packages (about 450 MB installed); 1-4 minutes, depending on the line."
    fi
    local started=$SECONDS log=.venv/install.log
    .venv/bin/python -m pip install --quiet --upgrade pip >"$log" 2>&1 || _install_failed "$log"
    .venv/bin/python -m pip install --progress-bar off -e ".${extras}" 2>&1 | tee -a "$log" | _install_progress \
      || _install_failed "$log"
    echo "Installed in $((SECONDS - started)) s."
    touch "$stamp"
  fi
}

# pip's output becomes one line per package it fetches, counted, or one updating line on a terminal.
_install_progress() {
  local n=0 line name
  while IFS= read -r line; do
    case "$line" in
      Collecting\ *) name=${line#Collecting }; name=${name%% *}; name=${name%%[<>=!~;[]*} ;;
      Processing\ /*) name=${line#Processing }; name=${name%% *}; name=${name##*/}; name=${name%%-*} ;;
      Obtaining\ *) name="hotline (this folder)" ;;
      Installing\ collected\ packages:*)
        name=${line#*: }; n=$(($(tr -cd , <<<"$name" | wc -c) + 1))
        [ -t 1 ] && printf '\n'
        echo "  unpacking and installing $n packages…"
        continue ;;
      *) continue ;;
    esac
    n=$((n + 1))
    if [ -t 1 ]; then printf '\r  %3d packages so far: %-40.40s' "$n" "$name"; else echo "  [$n] $name"; fi
  done
  return 0
}

_install_failed() {
  echo >&2
  echo "The installation failed; the last lines of $1:" >&2
  tail -n 15 "$1" >&2
  exit 1
}
