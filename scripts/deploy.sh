#!/usr/bin/env bash
# Deploy BC Commerce Bridge to Azure: infrastructure (infra/main.bicep) and then the code.
#
#   scripts/deploy.sh what-if -g <resource-group> [-p infra/main.parameters.json]
#   scripts/deploy.sh deploy  -g <resource-group> [-p ...] [--infra-only | --code-only]
#   scripts/deploy.sh package [-o bridge-app.zip] [--source <project dir>]     (no Azure needed)
#
# Environment instead of flags: BRIDGE_RESOURCE_GROUP, BRIDGE_PARAMETERS, BRIDGE_SECRETS_ADMIN_ID.
# AZ_CLI names the Azure CLI binary (default: az). docs/deployment.md explains every step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AZ="${AZ_CLI:-az}"
PYTHON="${PYTHON:-python3}"
DEPLOYMENT_NAME="bc-commerce-bridge"
TEMPLATE="$ROOT/infra/main.bicep"
# Only what the Functions host needs at run time; tests, sandbox, docs and infra stay out.
RUNTIME_FILES=(function_app.py host.json requirements.txt)
RUNTIME_DIRS=(core functions config)

die() { echo "deploy.sh: $*" >&2; exit 2; }

usage() {
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

command_name="${1:-}"
[[ -n "$command_name" ]] || usage 2
shift
case "$command_name" in
    what-if|deploy|package) ;;
    -h|--help|help) usage 0 ;;
    *) echo "deploy.sh: unknown command '$command_name'" >&2; usage 2 ;;
esac

resource_group="${BRIDGE_RESOURCE_GROUP:-}"
parameters="${BRIDGE_PARAMETERS:-$ROOT/infra/main.parameters.json}"
output=""
source_dir="$ROOT"
infra=1
code=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        -g|--resource-group) resource_group="${2:?$1 needs a value}"; shift 2 ;;
        -p|--parameters) parameters="${2:?$1 needs a value}"; shift 2 ;;
        -o|--output) output="${2:?$1 needs a value}"; shift 2 ;;
        --source) source_dir="${2:?$1 needs a value}"; shift 2 ;;
        --infra-only) code=0; shift ;;
        --code-only) infra=0; shift ;;
        -h|--help) usage 0 ;;
        *) die "unknown option '$1' (see scripts/deploy.sh --help)" ;;
    esac
done

# The BRIDGE_CONFIG path from the parameters file (default config/bridge.toml).
bridge_config_path() {
    local file="$1"
    if [[ -f "$file" ]]; then
        "$PYTHON" - "$file" <<'PY'
import json, sys
params = json.load(open(sys.argv[1])).get("parameters", {})
print(params.get("bridgeConfigPath", {}).get("value") or "config/bridge.toml")
PY
    else
        echo "config/bridge.toml"
    fi
}

# Zip the runtime files of $source_dir into $1. Refuses when something the host needs is missing.
build_package() {
    local zip_path="$1" config_path="$2"
    local missing=()
    for f in "${RUNTIME_FILES[@]}"; do [[ -f "$source_dir/$f" ]] || missing+=("$f"); done
    for d in core functions; do [[ -d "$source_dir/$d" ]] || missing+=("$d/"); done
    [[ -f "$source_dir/$config_path" ]] || missing+=("$config_path (BRIDGE_CONFIG; copy config/example.toml and edit it)")
    if [[ ${#missing[@]} -gt 0 ]]; then
        printf 'deploy.sh: cannot package %s, missing:\n' "$source_dir" >&2
        printf '  - %s\n' "${missing[@]}" >&2
        exit 2
    fi
    "$PYTHON" - "$source_dir" "$zip_path" "${RUNTIME_FILES[*]}" "${RUNTIME_DIRS[*]}" <<'PY'
import os, sys, zipfile
source, target, files, dirs = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
skip_dirs = {"__pycache__", ".pytest_cache", ".ruff_cache"}
entries = [f for f in files]
for d in dirs:
    for base, subdirs, names in os.walk(os.path.join(source, d)):
        subdirs[:] = sorted(s for s in subdirs if s not in skip_dirs and not s.startswith("."))
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")) or name == "local.settings.json":
                continue
            entries.append(os.path.relpath(os.path.join(base, name), source))
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
    for rel in entries:
        zf.write(os.path.join(source, rel), rel)
print(f"packaged {len(entries)} files into {target}")
PY
}

if [[ "$command_name" == "package" ]]; then
    config_path="$(bridge_config_path "$parameters")"
    build_package "${output:-$ROOT/bridge-app.zip}" "$config_path"
    exit 0
fi

# --- what-if / deploy: Azure CLI, login, resource group, parameters ---------------------------
command -v "$AZ" >/dev/null 2>&1 || die "Azure CLI ('$AZ') not found. Install it (https://aka.ms/azure-cli, version 2.60 or later) and run 'az login'."
"$AZ" account show --output none >/dev/null 2>&1 || die "Azure CLI is not logged in. Run 'az login' (and 'az account set --subscription <id>')."
[[ -n "$resource_group" ]] || die "no resource group: pass -g <name> or set BRIDGE_RESOURCE_GROUP (create it first: az group create -n <name> -l <region>)."
"$AZ" group show --name "$resource_group" --output none >/dev/null 2>&1 \
    || die "resource group '$resource_group' not found in the current subscription. Create it: az group create -n $resource_group -l <region>"

if [[ $infra -eq 1 ]]; then
    [[ -f "$parameters" ]] || die "parameters file '$parameters' not found. Copy infra/main.parameters.example.json to infra/main.parameters.json and edit it."
    if grep -n 'REPLACE_ME' "$parameters" >&2; then
        die "'$parameters' still contains REPLACE_ME placeholders (lines above). Fill them in first."
    fi
    # baseName ends up in the storage account name (st<baseName><hash>), which Azure accepts only as lowercase
    # letters and digits: refuse anything else here rather than minutes into the deployment.
    # (Checked in Python: a bash [a-z] can match accented letters, depending on the locale.)
    base_name="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["parameters"].get("baseName",{}).get("value","bcbridge"))' "$parameters")"
    "$PYTHON" -c 'import re,sys; sys.exit(0 if re.fullmatch("[a-z0-9]{3,11}", sys.argv[1]) else 1)' "$base_name" \
        || die "baseName '$base_name' in '$parameters' is not valid: use 3-11 lowercase letters and digits (no dashes, no capitals). It becomes part of the storage account name, which allows nothing else."
fi

overrides=()
admin_id="${BRIDGE_SECRETS_ADMIN_ID:-}"
if [[ $infra -eq 1 && -z "$admin_id" ]]; then
    configured="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["parameters"].get("secretsAdminPrincipalId",{}).get("value",""))' "$parameters")"
    if [[ -z "$configured" ]]; then
        # The signed-in user may set secret values (Key Vault Secrets Officer); service principals skip this.
        admin_id="$("$AZ" ad signed-in-user show --query id --output tsv 2>/dev/null || true)"
    fi
fi
[[ -n "$admin_id" ]] && overrides+=("secretsAdminPrincipalId=$admin_id")

deployment_args=(--resource-group "$resource_group" --name "$DEPLOYMENT_NAME" --template-file "$TEMPLATE" --parameters "@$parameters")
[[ ${#overrides[@]} -gt 0 ]] && deployment_args+=(--parameters "${overrides[@]}")

if [[ "$command_name" == "what-if" ]]; then
    echo "==> az deployment group what-if ($resource_group)"
    "$AZ" deployment group what-if "${deployment_args[@]}"
    exit 0
fi

if [[ $infra -eq 1 ]]; then
    echo "==> az deployment group create ($resource_group)"
    outputs="$("$AZ" deployment group create "${deployment_args[@]}" --query properties.outputs --output json)"
else
    outputs="$("$AZ" deployment group show --resource-group "$resource_group" --name "$DEPLOYMENT_NAME" --query properties.outputs --output json)" \
        || die "--code-only needs an earlier infrastructure deployment named '$DEPLOYMENT_NAME' in '$resource_group'."
fi
output_value() {
    "$PYTHON" -c 'import json,sys; print((json.loads(sys.argv[1]) or {}).get(sys.argv[2], {}).get("value", ""))' "$outputs" "$1"
}
app_name="$(output_value functionAppName)"
[[ -n "$app_name" ]] || die "the deployment returned no functionAppName output."

if [[ $code -eq 1 ]]; then
    workdir="$(mktemp -d)"
    trap 'rm -rf "$workdir"' EXIT
    build_package "$workdir/bridge-app.zip" "$(bridge_config_path "$parameters")"
    # On Flex Consumption this uses the One Deploy endpoint; --build-remote installs requirements.txt there.
    echo "==> az functionapp deployment source config-zip ($app_name)"
    "$AZ" functionapp deployment source config-zip --resource-group "$resource_group" --name "$app_name" \
        --src "$workdir/bridge-app.zip" --build-remote true --output none
fi

cat <<EOF

Deployed.
  Function App:              $app_name
  Webhook base URL:          $(output_value webhookBaseUrl)
  Key Vault:                 $(output_value keyVaultName)
  Managed identity clientId: $(output_value managedIdentityClientId)
  Managed identity objectId: $(output_value managedIdentityPrincipalId)

Next (docs/deployment.md): put secret values into the Key Vault, register the app in Business Central,
then point each shop's webhooks at <webhook base URL><shop key>.
EOF
outbound_ip="$(output_value outboundIpAddress)"
if [[ -n "$outbound_ip" ]]; then
    cat <<EOF

Private networking is on: storage and Key Vault accept only traffic from the virtual network.
  Outbound IP of the app (BC, shop APIs): $outbound_ip
  Setting secrets from outside the network: see "Private networking" in docs/deployment.md.
EOF
fi
