"""A Kubernetes control plane from the Go module proxy: etcd and kube-apiserver, plus kubectl.

``go install k8s.io/kubernetes/cmd/...@version`` fails because k8s.io/kubernetes maps its staging
modules to ``./staging`` with replace lines. The wrapper module in ``gomod/`` pins each staging
module to its published version instead, and builds etcd at the version Kubernetes requires.
Binaries go to the cache folder, keyed by version and by a hash of go.mod and go.sum, so a second
run does not rebuild them.

kube-apiserver runs the way controller-runtime's envtest runs it: one etcd, RBAC authorization,
a token file for the admin (group ``system:masters``), service-account signing keys so that the
TokenRequest API works, and no controller-manager (so no garbage collection and no Pods).
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import urllib.request
from pathlib import Path

from . import config, proc
from .proc import Component, StackError

GOMOD = config.HERE / "gomod"

ETCD = Component("etcd", config.PORTS.etcd_client)
APISERVER = Component("kube-apiserver", config.PORTS.apiserver)

PACKAGES = {
    "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
    "kubectl": "k8s.io/kubernetes/cmd/kubectl",
    "etcd": "go.etcd.io/etcd/server/v3",
}


def bin_dir() -> Path:
    key = config.content_key(GOMOD / "go.mod", GOMOD / "go.sum")
    return config.cache_dir() / "bin" / f"kubernetes-{config.KUBERNETES_VERSION}-{key}"


def binary(name: str) -> Path:
    return bin_dir() / name


def build() -> None:
    """Build every missing binary into the cache folder."""
    minor = config.KUBERNETES_VERSION.split(".")[1]
    ldflags = (
        "-s -w"
        f" -X k8s.io/component-base/version.gitVersion={config.KUBERNETES_VERSION}"
        " -X k8s.io/component-base/version.gitMajor=1"
        f" -X k8s.io/component-base/version.gitMinor={minor}"
        " -X k8s.io/component-base/version.gitTreeState=clean"
    )
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    log = config.log_dir() / "build-go.log"
    for name, package in PACKAGES.items():
        target = binary(name)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        proc.run(
            ["go", "build", "-trimpath", "-ldflags", ldflags, "-o", str(partial), package],
            what=f"Building {name} ({package}) with go",
            log=log,
            cwd=GOMOD,
            env=env,
        )
        partial.rename(target)


def _pki_dir() -> Path:
    return config.stack_dir() / "kube" / "pki"


def _write_pki() -> None:
    pki = _pki_dir()
    pki.mkdir(parents=True, exist_ok=True)
    key, pub = pki / "sa.key", pki / "sa.pub"
    log = config.log_dir() / "kube-pki.log"
    if not key.exists():
        proc.run(
            ["openssl", "genrsa", "-out", str(key), "2048"],
            what="Generating the service-account key",
            log=log,
        )
        proc.run(
            ["openssl", "rsa", "-in", str(key), "-pubout", "-out", str(pub)],
            what="Writing the service-account public key",
            log=log,
        )
    tokens = pki / "tokens.csv"
    tokens.write_text(f'{config.ADMIN_TOKEN},admin,admin,"system:masters"\n')


def kubeconfig_path() -> Path:
    return config.stack_dir() / "kube" / "admin.kubeconfig"


def server_url() -> str:
    return f"https://127.0.0.1:{config.PORTS.apiserver}"


def write_kubeconfig() -> Path:
    """Write the admin kubeconfig: a bearer token, and the API server's self-signed certificate
    (which kube-apiserver writes to its --cert-dir at first start) as the trusted authority."""
    path = kubeconfig_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    serving_cert = config.stack_dir() / "kube" / "serving-certs" / "apiserver.crt"
    authority = base64.b64encode(serving_cert.read_bytes()).decode()
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "stack",
                "cluster": {"server": server_url(), "certificate-authority-data": authority},
            }
        ],
        "users": [{"name": "admin", "user": {"token": config.ADMIN_TOKEN}}],
        "contexts": [
            {
                "name": "stack",
                "context": {"cluster": "stack", "user": "admin", "namespace": "default"},
            }
        ],
        "current-context": "stack",
    }
    path.write_text(json.dumps(document, indent=2))
    path.chmod(0o600)
    return path


def _etcd_healthy() -> bool:
    url = f"http://127.0.0.1:{config.PORTS.etcd_client}/health"
    with urllib.request.urlopen(url, timeout=2) as response:  # loopback URL built here
        return bool(json.load(response).get("health") == "true")


def _apiserver_ready() -> bool:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(
        f"{server_url()}/readyz", headers={"Authorization": f"Bearer {config.ADMIN_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=2, context=context) as response:
        return bool(response.status == 200)


def up() -> None:
    build()
    if not ETCD.is_running():
        data = config.stack_dir() / "kube" / "etcd"
        data.mkdir(parents=True, exist_ok=True)
        client = f"http://127.0.0.1:{config.PORTS.etcd_client}"
        peer = f"http://127.0.0.1:{config.PORTS.etcd_peer}"
        proc.start(
            ETCD,
            [
                str(binary("etcd")),
                "--name=stack",
                f"--data-dir={data}",
                f"--listen-client-urls={client}",
                f"--advertise-client-urls={client}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=stack={peer}",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
        )
    proc.wait_until(ETCD, _etcd_healthy, timeout=60, hint="Check that nothing else uses its ports.")

    if not APISERVER.is_running():
        _write_pki()
        pki = _pki_dir()
        certs = config.stack_dir() / "kube" / "serving-certs"
        certs.mkdir(parents=True, exist_ok=True)
        proc.start(
            APISERVER,
            [
                str(binary("kube-apiserver")),
                f"--etcd-servers=http://127.0.0.1:{config.PORTS.etcd_client}",
                f"--cert-dir={certs}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={config.PORTS.apiserver}",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--authorization-mode=RBAC",
                f"--token-auth-file={pki / 'tokens.csv'}",
                f"--service-account-issuer={server_url()}",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                "--disable-admission-plugins=ServiceAccount",
                "--allow-privileged=true",
                "--enable-priority-and-fairness=false",
                "--max-requests-inflight=0",
                "--max-mutating-requests-inflight=0",
                "--profiling=false",
                "--v=1",
            ],
        )
    proc.wait_until(
        APISERVER,
        _apiserver_ready,
        timeout=120,
        hint=f"Check that etcd answers on port {config.PORTS.etcd_client}.",
    )
    write_kubeconfig()


def down() -> None:
    proc.stop(APISERVER)
    proc.stop(ETCD)


def check_binaries() -> None:
    missing = [name for name in PACKAGES if not binary(name).exists()]
    if missing:
        raise StackError(
            f"The binaries {', '.join(missing)} are not built yet: run `make stack-up`."
        )
