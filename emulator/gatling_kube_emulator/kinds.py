"""The kinds the emulator serves by default, and the defaults the real server fills on create."""

from __future__ import annotations

from gatling_kube_emulator.crds import CRD, crd_defaults
from gatling_kube_emulator.store import Kind, Obj, Store

POD = Kind(
    "", "v1", "pods", "Pod", delete_returns_object=True, short_names=("po",), categories=("all",)
)
CONFIGMAP = Kind("", "v1", "configmaps", "ConfigMap", status_subresource=False, short_names=("cm",))
SECRET = Kind("", "v1", "secrets", "Secret", status_subresource=False)
EVENT = Kind("", "v1", "events", "Event", status_subresource=False, short_names=("ev",))
SERVICEACCOUNT = Kind(
    "", "v1", "serviceaccounts", "ServiceAccount", status_subresource=False, short_names=("sa",)
)
PVC = Kind("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", short_names=("pvc",))
PV = Kind("", "v1", "persistentvolumes", "PersistentVolume", namespaced=False, short_names=("pv",))
# batch/v1 Jobs orphan their pods when the client names no propagationPolicy (real default).
JOB = Kind("batch", "v1", "jobs", "Job", default_propagation="Orphan", categories=("all",))
GATLING = Kind(
    "gatling-operator.tech.zozo.com",
    "v1alpha1",
    "gatlings",
    "Gatling",
    builtin=False,
    delete_returns_object=True,
)

NAMESPACE = Kind("", "v1", "namespaces", "Namespace", namespaced=False, short_names=("ns",))
SERVICE = Kind("", "v1", "services", "Service", short_names=("svc",), categories=("all",))
DEPLOYMENT = Kind(
    "apps", "v1", "deployments", "Deployment", short_names=("deploy",), categories=("all",)
)
_RBAC = "rbac.authorization.k8s.io"
ROLE = Kind(_RBAC, "v1", "roles", "Role", status_subresource=False)
ROLEBINDING = Kind(_RBAC, "v1", "rolebindings", "RoleBinding", status_subresource=False)
CLUSTERROLE = Kind(
    _RBAC, "v1", "clusterroles", "ClusterRole", namespaced=False, status_subresource=False
)
CLUSTERROLEBINDING = Kind(
    _RBAC,
    "v1",
    "clusterrolebindings",
    "ClusterRoleBinding",
    namespaced=False,
    status_subresource=False,
)

DEFAULT_KINDS = (
    POD,
    CONFIGMAP,
    SECRET,
    EVENT,
    SERVICEACCOUNT,
    PVC,
    PV,
    JOB,
    GATLING,
    NAMESPACE,
    SERVICE,
    DEPLOYMENT,
    ROLE,
    ROLEBINDING,
    CLUSTERROLE,
    CLUSTERROLEBINDING,
    CRD,
)


def _pod_defaults(obj: Obj) -> None:
    obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    obj.setdefault("spec", {}).setdefault("restartPolicy", "Always")


def _job_defaults(obj: Obj) -> None:
    """What the Job REST strategy defaults: selector on controller-uid, labels, counts."""
    spec = obj.setdefault("spec", {})
    uid = obj["metadata"]["uid"]
    name = obj["metadata"]["name"]
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    if spec.get("completions") is None and spec["parallelism"] == 1:
        spec["completions"] = 1
    labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    }
    spec.setdefault("selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
    template_meta = spec.setdefault("template", {}).setdefault("metadata", {})
    template_meta["labels"] = {**(template_meta.get("labels") or {}), **labels}
    obj["metadata"]["labels"] = {**labels, **(obj["metadata"].get("labels") or {})}


def _secret_defaults(obj: Obj) -> None:
    obj.setdefault("type", "Opaque")


def _serviceaccount_defaults(obj: Obj) -> None:
    obj.setdefault("secrets", [])


def _namespace_defaults(obj: Obj) -> None:
    obj["status"] = {"phase": "Active"}
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])


def register_defaults(store: Store) -> None:
    hooks = {
        NAMESPACE.key: _namespace_defaults,
        CRD.key: crd_defaults,
        POD.key: _pod_defaults,
        JOB.key: _job_defaults,
        SECRET.key: _secret_defaults,
        SERVICEACCOUNT.key: _serviceaccount_defaults,
    }
    for kind in DEFAULT_KINDS:
        store.register(kind, hooks.get(kind.key))
