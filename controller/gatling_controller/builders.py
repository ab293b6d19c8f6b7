"""Pure builders: a parsed Gatling plus settings in, Kubernetes objects (plain dicts) out.

Nothing from the resource is formatted into shell text: commands are argv lists and values reach
containers as environment variables.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from gatling_controller import runner_script as rs
from gatling_controller.models import Gatling, Json, NamedSpec
from gatling_controller.settings import ControllerSettings

API_GROUP = "gatling-operator.tech.zozo.com"
API_VERSION = f"{API_GROUP}/v1alpha1"
KIND = "Gatling"
POD_INFO_DIR = "/etc/pod-info"
GATLING_CONF_DIR = "/opt/gatling/conf"
RESULTS_VOLUME = "results-data-volume"
LOCAL_STORAGE_VOLUME = "local-storage"
THRESHOLDS_EXIT = 3  # gatling-reporter: assertions failed (the report is written)
# The Go operator's storage variables (rclone's, and the AWS aliases its user guide lists) under
# the names our storage layer and the SDKs read, in priority order: a name the user set
# themselves wins, then the first alias found here.
GO_STORAGE_ENV = (
    ("AZUREBLOB_ACCOUNT", "AZURE_STORAGE_ACCOUNT"),
    ("AZUREBLOB_KEY", "AZURE_STORAGE_KEY"),
    ("AZUREBLOB_SAS_URL", "AZURE_STORAGE_ACCOUNT_URL"),  # a SAS URL is an account URL + token
    ("AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
    ("RCLONE_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
    ("AWS_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"),
    ("RCLONE_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
    ("RCLONE_S3_ENDPOINT", "AWS_ENDPOINT_URL"),
    ("RCLONE_S3_REGION", "AWS_REGION"),
)


@dataclass(frozen=True)
class RunStorage:
    """Where one run's logs and report live, and where a browser finds the report."""

    url: str
    report_url: str


def run_id(gatling: Gatling) -> str:
    """The run's unique sub-directory: derived from the resource's uid, so a restarted controller
    picks the same one even if it crashed before recording it in status."""
    return hashlib.sha256(gatling.uid.encode()).hexdigest()[:12]


def run_storage(gatling: Gatling, settings: ControllerSettings) -> RunStorage | None:
    """`<bucket>/<name>/<unique id>` as a storage URL plus the report's browser URL."""
    st = gatling.storage
    if st is None:
        return None
    tail = f"{gatling.name}/{run_id(gatling)}"
    if st.provider in ("aws", "s3"):
        endpoint = _s3_endpoint(st.env)
        if endpoint:  # an S3-compatible store: path style works on every one of them
            page = f"{endpoint}/{st.bucket}/{tail}/index.html"
        else:
            page = f"https://{st.bucket}.{settings.s3_host}/{tail}/index.html"
        return RunStorage(f"s3://{st.bucket}/{tail}", page)
    if st.provider == "gcp":
        return RunStorage(
            f"gs://{st.bucket}/{tail}",
            f"https://storage.googleapis.com/{st.bucket}/{tail}/index.html",
        )
    if st.provider == "azure":
        account = _env_value(st.env, "AZUREBLOB_ACCOUNT") or settings.azure_account
        return RunStorage(
            f"az://{st.bucket}/{tail}",
            f"https://{account}.blob.core.windows.net/{st.bucket}/{tail}/index.html",
        )
    base = st.bucket.rstrip("/")
    return RunStorage(f"file://{base}/{tail}", f"file://{base}/{tail}/index.html")


def owner_reference(gatling: Gatling) -> Json:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": gatling.name,
        "uid": gatling.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _meta(gatling: Gatling, name: str, *, owned: bool = True) -> Json:
    meta: Json = {"name": name, "labels": {"app": gatling.name}}
    if owned:
        meta["namespace"] = gatling.namespace
        meta["ownerReferences"] = [owner_reference(gatling)]
    return meta


def configmap_names(gatling: Gatling) -> dict[str, str]:
    """Which ConfigMaps this resource needs (the Go operator's names), by purpose."""
    sc = gatling.scenario
    wanted = {
        "simulations": (sc.simulation_data, f"{gatling.name}-simulations-data"),
        "resources": (sc.resource_data, f"{gatling.name}-resources-data"),
        "conf": (sc.gatling_conf, f"{gatling.name}-gatling-conf"),
    }
    return {purpose: name for purpose, (data, name) in wanted.items() if data}


def build_configmaps(gatling: Gatling) -> list[Json]:
    sc = gatling.scenario
    data = {
        "simulations": sc.simulation_data,
        "resources": sc.resource_data,
        "conf": sc.gatling_conf,
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta(gatling, name),
            "data": dict(data[purpose]),
        }
        for purpose, name in configmap_names(gatling).items()
    ]


def build_persistent_volume(gatling: Gatling) -> Json | None:
    """Cluster-scoped: no namespace and no owner reference; the controller deletes it itself."""
    pv = gatling.persistent_volume
    if pv is None:
        return None
    return _named_object(gatling, pv, "PersistentVolume", owned=False)


def build_persistent_volume_claim(gatling: Gatling) -> Json | None:
    pvc = gatling.persistent_volume_claim
    if pvc is None:
        return None
    return _named_object(gatling, pvc, "PersistentVolumeClaim", owned=True)


def _named_object(gatling: Gatling, named: NamedSpec, kind: str, *, owned: bool) -> Json:
    return {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": _meta(gatling, named.name, owned=owned),
        "spec": dict(named.spec),
    }


def build_prerequisites(gatling: Gatling) -> list[Json]:
    """What must exist before the runner Job: ConfigMaps, then the PV and PVC (if any)."""
    objects = [
        *build_configmaps(gatling),
        build_persistent_volume(gatling),
        build_persistent_volume_claim(gatling),
    ]
    return [o for o in objects if o is not None]


def build_runner_job(gatling: Gatling, settings: ControllerSettings) -> Json:
    storage = run_storage(gatling, settings) if gatling.generate_report else None
    containers = [_runner_container(gatling)]
    if storage is not None:
        containers.append(_transferer_container(gatling, settings, storage))
    pod_spec = _pod_spec(gatling, "runner")
    pod_spec["initContainers"] = [_waiter_container(gatling, settings)]
    pod_spec["containers"] = containers
    pod_spec["volumes"] = _runner_volumes(gatling, storage is not None)
    n = gatling.scenario.parallelism
    return _job(gatling, gatling.runner_job_name, "runner", pod_spec, parallelism=n)


def build_reporter_job(gatling: Gatling, settings: ControllerSettings) -> Json:
    storage = run_storage(gatling, settings)
    if storage is None:
        raise ValueError("a reporter Job needs spec.cloudStorageSpec")  # callers check first
    env = [
        *_storage_env(gatling),
        _env("GATLING_REPORTER_SOURCE", storage.url),
        _env("GATLING_REPORTER_DESTINATION", storage.url),
    ]
    if gatling.thresholds:
        # gatling-reporter's --assert, repeatable: one expression per line in the env var.
        env.append(_env("GATLING_REPORTER_ASSERT", "\n".join(gatling.thresholds)))
    if gatling.baseline:
        env.append(_env("GATLING_REPORTER_BASELINE", gatling.baseline))
    container: Json = {
        "name": "gatling-reporter",
        "image": settings.reporter_image,
        "command": ["gatling-reporter", "report"],
        "env": env,
    }
    pod_spec = _pod_spec(gatling, "reporter")
    pod_spec["containers"] = [container]
    if gatling.storage is not None and gatling.storage.provider == "local":
        container["volumeMounts"] = [_local_storage_mount(gatling)]
        pod_spec["volumes"] = [_local_storage_volume(gatling)]
    job = _job(gatling, gatling.reporter_job_name, "reporter", pod_spec)
    if gatling.thresholds:
        # Failed thresholds are a verdict, not a fault: no retry reruns the same verdict.
        codes = {"containerName": container["name"], "operator": "In", "values": [THRESHOLDS_EXIT]}
        job["spec"]["podFailurePolicy"] = {"rules": [{"action": "FailJob", "onExitCodes": codes}]}
    return job


def _job(
    gatling: Gatling, name: str, kind: str, pod_spec: Json, *, parallelism: int | None = None
) -> Json:
    """A Job as the Go operator builds it: the runner's with backoffLimit 0 and parallelism =
    completions = N; the reporter's (parallelism None) with Kubernetes' defaults (backoffLimit 6,
    one pod), so a transient reporter failure is retried."""
    labels = {**gatling.labels, "type": kind}
    template_meta: Json = {"labels": labels}
    if gatling.annotations:
        template_meta["annotations"] = dict(gatling.annotations)
    spec: Json = {}
    if parallelism is not None:
        spec.update(backoffLimit=0, parallelism=parallelism, completions=parallelism)
    spec["template"] = {"metadata": template_meta, "spec": pod_spec}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _meta(gatling, name),
        "spec": spec,
    }


def _pod_spec(gatling: Gatling, kind: str) -> Json:
    """What runner and reporter pods share: scheduling, identity, pull secrets."""
    pod = gatling.pod
    spec: Json = {"restartPolicy": "Never"}
    optional: dict[str, Any] = {
        "serviceAccountName": pod.service_account_name,
        "affinity": pod.affinity,
        "tolerations": pod.tolerations,
        "nodeSelector": pod.node_selector,
        "imagePullSecrets": pod.image_pull_secrets,
    }
    if kind == "runner":
        optional["securityContext"] = pod.security_context
    spec.update({k: v for k, v in optional.items() if v})
    return spec


def _waiter_container(gatling: Gatling, settings: ControllerSettings) -> Json:
    container: Json = {
        "name": "gatling-waiter",
        "image": settings.waiter_image,
        "command": ["gatling-waiter"],
        "env": [
            _field_env("GATLING_WAITER_NAMESPACE", "metadata.namespace"),
            _field_env("GATLING_WAITER_POD_NAME", "metadata.name"),
            _env("GATLING_WAITER_JOB_NAME", gatling.runner_job_name),
            _env("GATLING_WAITER_PARALLELISM", str(gatling.scenario.parallelism)),
            # Peers that are not all up within the Job creation limit will not be.
            _env("GATLING_WAITER_TIMEOUT", f"{settings.job_creation_timeout:g}"),
        ],
        "volumeMounts": [{"name": "pod-info", "mountPath": POD_INFO_DIR}],
    }
    if gatling.scenario.start_time:
        # The Go operator's startTime: no pod is released before it (same format, UTC).
        container["env"].append(_env("GATLING_WAITER_START_TIME", gatling.scenario.start_time))
    if gatling.pod.resources:
        container["resources"] = gatling.pod.resources
    return container


def _runner_container(gatling: Gatling) -> Json:
    sc = gatling.scenario
    ours = [
        _env(rs.ENV_FORMAT, sc.simulations_format),
        _env(rs.ENV_SIMULATIONS_DIR, sc.simulations_dir),
        _env(rs.ENV_TEMP_SIMULATIONS_DIR, sc.temp_simulations_dir),
        _env(rs.ENV_RESOURCES_DIR, sc.resources_dir),
        _env(rs.ENV_RESULTS_DIR, sc.results_dir),
        _env(rs.ENV_START_TIME, sc.start_time),
        _env(rs.ENV_SIMULATION_CLASS, sc.simulation_class),
        _env(rs.ENV_LOCAL_REPORT, "true" if gatling.generate_local_report else "false"),
    ]
    container: Json = {
        "name": "gatling-runner",
        "image": gatling.pod.gatling_image,
        "command": ["/bin/sh", "-c", rs.RUNNER_SCRIPT],
        # The user's env first: ours are prefixed and come last, so they cannot be overridden.
        "env": [*sc.env, *ours],
        "volumeMounts": _runner_mounts(gatling),
    }
    if gatling.pod.resources:
        container["resources"] = gatling.pod.resources
    if gatling.pod.runner_security_context:
        container["securityContext"] = gatling.pod.runner_security_context
    return container


def _runner_mounts(gatling: Gatling) -> list[Json]:
    sc = gatling.scenario
    names = configmap_names(gatling)
    mounts: list[Json] = []
    if "simulations" in names:
        mounts.append({"name": "simulations-data-volume", "mountPath": sc.temp_simulations_dir})
    if "resources" in names:
        mounts.append({"name": "resources-data-volume", "mountPath": sc.resources_dir})
    # One subPath mount per key keeps the image's other conf files (logback.xml, ...).
    for key in sorted(sc.gatling_conf):
        path = f"{GATLING_CONF_DIR}/{key}"
        mounts.append({"name": "gatling-conf-volume", "mountPath": path, "subPath": key})
    mounts.append({"name": RESULTS_VOLUME, "mountPath": sc.results_dir})
    mounts.extend(sc.volume_mounts)
    return mounts


RUN_ID_FIELD = "metadata.labels['batch.kubernetes.io/controller-uid']"


def _transferer_container(
    gatling: Gatling, settings: ControllerSettings, storage: RunStorage
) -> Json:
    container: Json = {
        "name": "gatling-transferer",
        "image": settings.transferer_image,
        "command": ["gatling-transferer"],
        "env": [
            *_storage_env(gatling),
            _env("GATLING_TRANSFERER_RESULTS_DIR", gatling.scenario.results_dir),
            _env("GATLING_TRANSFERER_DESTINATION", storage.url),
            _field_env("GATLING_TRANSFERER_NAME", "metadata.name"),
            # One id for every pod of this Job: the reporter then merges this run's pods only,
            # not an earlier run's left in the same location (the label Kubernetes sets).
            _field_env("GATLING_TRANSFERER_RUN_ID", RUN_ID_FIELD),
            # A runner killed before writing its marker must not keep the pod alive forever.
            _env("GATLING_TRANSFERER_TIMEOUT", f"{settings.job_run_timeout:g}"),
        ],
        "volumeMounts": [{"name": RESULTS_VOLUME, "mountPath": gatling.scenario.results_dir}],
    }
    if gatling.storage is not None and gatling.storage.provider == "local":
        container["volumeMounts"].append(_local_storage_mount(gatling))
    return container


def _runner_volumes(gatling: Gatling, with_storage: bool) -> list[Json]:
    names = configmap_names(gatling)
    by_purpose = {
        "simulations": "simulations-data-volume",
        "resources": "resources-data-volume",
        "conf": "gatling-conf-volume",
    }
    volumes: list[Json] = [
        {"name": by_purpose[purpose], "configMap": {"name": name}}
        for purpose, name in names.items()
    ]
    volumes.append({"name": RESULTS_VOLUME, "emptyDir": {}})
    if with_storage and gatling.storage is not None and gatling.storage.provider == "local":
        volumes.append(_local_storage_volume(gatling))
    volumes.extend(gatling.pod.volumes)
    pod_name = {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}
    volumes.append({"name": "pod-info", "downwardAPI": {"items": [pod_name]}})
    return volumes


def _storage_env(gatling: Gatling) -> list[Json]:
    """The user's cloudStorageSpec.env plus the region, as the SDKs read it."""
    st = gatling.storage
    if st is None:
        return []
    env = list(st.env)
    given = {str(item.get("name")): item for item in env}
    names = set(given)
    for go_name, ours in GO_STORAGE_ENV:
        if go_name in given and ours not in names:
            env.append({**given[go_name], "name": ours})  # valueFrom (a Secret) is kept as is
            names.add(ours)
    if st.region:
        env += [_env(n, st.region) for n in ("AWS_REGION", "AWS_DEFAULT_REGION") if n not in names]
    return env


def _local_storage_volume(gatling: Gatling) -> Json:
    assert gatling.storage is not None
    return {
        "name": LOCAL_STORAGE_VOLUME,
        "hostPath": {"path": gatling.storage.bucket, "type": "DirectoryOrCreate"},
    }


def _local_storage_mount(gatling: Gatling) -> Json:
    assert gatling.storage is not None
    return {"name": LOCAL_STORAGE_VOLUME, "mountPath": gatling.storage.bucket}


def _env(name: str, value: str) -> Json:
    return {"name": name, "value": value}


def _field_env(name: str, field_path: str) -> Json:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": field_path}}}


def _s3_endpoint(env: list[Json]) -> str:
    """The S3-compatible endpoint the pods will use (ours, else the Go operator's rclone one)."""
    endpoint = _env_value(env, "AWS_ENDPOINT_URL") or _env_value(env, "RCLONE_S3_ENDPOINT")
    return endpoint.strip().rstrip("/")


def _env_value(env: list[Json], name: str) -> str:
    for item in env:
        if item.get("name") == name and isinstance(item.get("value"), str):
            return str(item["value"])
    return ""
