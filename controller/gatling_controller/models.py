"""A typed, defaulted view of a Gatling resource's spec, with the Go operator's defaults.

The API server already applies the CRD's defaults and enums; parsing again here keeps the builders
honest when they are handed a raw dict (tests, a CR stored before the CRD changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gatling_common.errors import InputError
from gatling_common.start_time import format_start_time, parse_start_time

DEFAULT_GATLING_IMAGE = "ghcr.io/st-tech/gatling:latest"
DEFAULT_SIMULATIONS_DIR = "/opt/gatling/user-files/simulations"
DEFAULT_RESOURCES_DIR = "/opt/gatling/user-files/resources"
DEFAULT_RESULTS_DIR = "/opt/gatling/results"
SIMULATION_FORMATS = ("bundle", "gradle")
STORAGE_PROVIDERS = ("aws", "s3", "gcp", "azure", "local")
NOTIFICATION_PROVIDERS = ("slack", "teams", "webhook")

Json = dict[str, Any]


@dataclass(frozen=True)
class PodSpec:
    service_account_name: str = ""
    gatling_image: str = DEFAULT_GATLING_IMAGE
    resources: Json = field(default_factory=dict)
    affinity: Json = field(default_factory=dict)
    tolerations: list[Json] = field(default_factory=list)
    volumes: list[Json] = field(default_factory=list)
    security_context: Json = field(default_factory=dict)
    runner_security_context: Json = field(default_factory=dict)
    image_pull_secrets: list[Json] = field(default_factory=list)
    node_selector: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CloudStorage:
    provider: str
    bucket: str
    region: str = ""
    env: list[Json] = field(default_factory=list)


@dataclass(frozen=True)
class NamedSpec:
    """persistentVolume / persistentVolumeClaim: a name and a Kubernetes spec copied as is."""

    name: str
    spec: Json


@dataclass(frozen=True)
class Notification:
    provider: str
    secret_name: str


@dataclass(frozen=True)
class TestScenario:
    simulation_class: str
    start_time: str = ""  # canonical UTC 'YYYY-MM-DD HH:MM:SS' (see gatling_common.start_time)
    parallelism: int = 1
    simulations_format: str = "bundle"
    simulations_dir: str = DEFAULT_SIMULATIONS_DIR
    resources_dir: str = DEFAULT_RESOURCES_DIR
    results_dir: str = DEFAULT_RESULTS_DIR
    simulation_data: dict[str, str] = field(default_factory=dict)
    resource_data: dict[str, str] = field(default_factory=dict)
    gatling_conf: dict[str, str] = field(default_factory=dict)
    env: list[Json] = field(default_factory=list)
    volume_mounts: list[Json] = field(default_factory=list)

    @property
    def temp_simulations_dir(self) -> str:
        # The Go operator mounts simulationData beside the simulations dir and copies it in.
        return f"{self.simulations_dir}-temp"


@dataclass(frozen=True)
class Gatling:
    """One Gatling resource: identity, metadata the pods inherit, and the parsed spec."""

    name: str
    namespace: str
    uid: str
    generation: int
    labels: dict[str, str]
    annotations: dict[str, str]
    scenario: TestScenario
    pod: PodSpec = field(default_factory=PodSpec)
    generate_report: bool = False
    generate_local_report: bool = False
    notify_report: bool = False
    cleanup_after_job_done: bool = False
    storage: CloudStorage | None = None
    persistent_volume: NamedSpec | None = None
    persistent_volume_claim: NamedSpec | None = None
    notification: Notification | None = None
    thresholds: tuple[str, ...] = ()
    baseline: str | None = None  # reporterSpec.baseline: a storage URL or "previous"

    @property
    def runner_job_name(self) -> str:
        return f"{self.name}-runner"

    @property
    def reporter_job_name(self) -> str:
        return f"{self.name}-reporter"


def parse_gatling(obj: Mapping[str, Any]) -> Gatling:
    """Parse a Gatling object (as the API returns it); InputError names the bad field."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    name = _str(meta, "name", "metadata")
    if not name:
        raise InputError("Gatling metadata.name is empty; expected a resource name")
    return Gatling(
        name=name,
        namespace=_str(meta, "namespace", "metadata") or "default",
        uid=_str(meta, "uid", "metadata"),
        generation=int(meta.get("generation") or 0),
        labels=_str_map(meta, "labels", "metadata"),
        annotations=_str_map(meta, "annotations", "metadata"),
        scenario=_scenario(spec.get("testScenarioSpec")),
        pod=_pod(spec.get("podSpec") or {}),
        generate_report=_bool(spec, "generateReport"),
        generate_local_report=_bool(spec, "generateLocalReport"),
        notify_report=_bool(spec, "notifyReport"),
        cleanup_after_job_done=_bool(spec, "cleanupAfterJobDone"),
        storage=_storage(spec.get("cloudStorageSpec")),
        persistent_volume=_named(spec.get("persistentVolume"), "spec.persistentVolume"),
        persistent_volume_claim=_named(
            spec.get("persistentVolumeClaim"), "spec.persistentVolumeClaim"
        ),
        notification=_notification(spec.get("notificationServiceSpec")),
        thresholds=tuple(_str_list(spec.get("reporterSpec") or {}, "thresholds")),
        baseline=_str(spec.get("reporterSpec") or {}, "baseline", "spec.reporterSpec") or None,
    )


def _scenario(raw: Any) -> TestScenario:
    where = "spec.testScenarioSpec"
    if not isinstance(raw, Mapping):
        raise InputError(f"Gatling {where} is missing; expected an object with simulationClass")
    simulation_class = _str(raw, "simulationClass", where)
    if not simulation_class:
        raise InputError(f"Gatling {where}.simulationClass is empty; expected a class name")
    parallelism = raw.get("parallelism", 1)
    if not isinstance(parallelism, int) or isinstance(parallelism, bool) or parallelism < 1:
        raise InputError(
            f"Gatling {where}.parallelism is {parallelism!r}; expected an integer >= 1"
        )
    fmt = _str(raw, "simulationsFormat", where) or "bundle"
    if fmt not in SIMULATION_FORMATS:
        raise InputError(f"Gatling {where}.simulationsFormat is {fmt!r}; expected bundle or gradle")
    return TestScenario(
        simulation_class=simulation_class,
        start_time=_start_time(_str(raw, "startTime", where), where),
        parallelism=parallelism,
        simulations_format=fmt,
        simulations_dir=_str(raw, "simulationsDirectoryPath", where) or DEFAULT_SIMULATIONS_DIR,
        resources_dir=_str(raw, "resourcesDirectoryPath", where) or DEFAULT_RESOURCES_DIR,
        results_dir=_str(raw, "resultsDirectoryPath", where) or DEFAULT_RESULTS_DIR,
        simulation_data=_str_map(raw, "simulationData", where),
        resource_data=_str_map(raw, "resourceData", where),
        gatling_conf=_str_map(raw, "gatlingConf", where),
        env=_env_list(raw, where),
        volume_mounts=_obj_list(raw, "volumeMounts", where),
    )


def _start_time(text: str, where: str) -> str:
    """The canonical UTC form the waiter and the runner script both read; "" when unset."""
    if not text:
        return ""
    try:
        return format_start_time(parse_start_time(text))
    except InputError as exc:
        raise InputError(f"Gatling {where}.{exc}") from None


def _pod(raw: Mapping[str, Any]) -> PodSpec:
    where = "spec.podSpec"
    return PodSpec(
        service_account_name=_str(raw, "serviceAccountName", where),
        gatling_image=_str(raw, "gatlingImage", where) or DEFAULT_GATLING_IMAGE,
        resources=_obj(raw, "resources", where),
        affinity=_obj(raw, "affinity", where),
        tolerations=_obj_list(raw, "tolerations", where),
        volumes=_obj_list(raw, "volumes", where),
        security_context=_obj(raw, "securityContext", where),
        runner_security_context=_obj(raw, "runnerContainerSecurityContext", where),
        image_pull_secrets=_obj_list(raw, "imagePullSecrets", where),
        node_selector=_str_map(raw, "nodeSelector", where),
    )


def _storage(raw: Any) -> CloudStorage | None:
    if not raw:
        return None
    where = "spec.cloudStorageSpec"
    provider = _str(raw, "provider", where)
    if provider not in STORAGE_PROVIDERS:
        raise InputError(
            f"Gatling {where}.provider is {provider!r}; "
            f"expected one of {', '.join(STORAGE_PROVIDERS)}"
        )
    bucket = _str(raw, "bucket", where)
    if not bucket:
        raise InputError(f"Gatling {where}.bucket is empty; expected a bucket name")
    if provider == "local" and not bucket.startswith("/"):
        raise InputError(
            f"Gatling {where}.bucket is {bucket!r}; provider local needs an absolute path"
        )
    return CloudStorage(provider, bucket, _str(raw, "region", where), _env_list(raw, where))


def _named(raw: Any, where: str) -> NamedSpec | None:
    if not raw or not raw.get("name"):
        return None
    return NamedSpec(_str(raw, "name", where), _obj(raw, "spec", where))


def _notification(raw: Any) -> Notification | None:
    if not raw:
        return None
    where = "spec.notificationServiceSpec"
    provider = _str(raw, "provider", where) or "slack"
    if provider not in NOTIFICATION_PROVIDERS:
        raise InputError(
            f"Gatling {where}.provider is {provider!r}; "
            f"expected one of {', '.join(NOTIFICATION_PROVIDERS)}"
        )
    return Notification(provider, _str(raw, "secretName", where))


def _str(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"Gatling {where}.{key} is {value!r}; expected a string")
    return value


def _bool(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise InputError(f"Gatling spec.{key} is {value!r}; expected true or false")
    return value


def _obj(raw: Mapping[str, Any], key: str, where: str) -> Json:
    value = raw.get(key) or {}
    if not isinstance(value, Mapping):
        raise InputError(f"Gatling {where}.{key} is {value!r}; expected an object")
    return dict(value)


def _obj_list(raw: Mapping[str, Any], key: str, where: str) -> list[Json]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise InputError(f"Gatling {where}.{key} is {value!r}; expected a list of objects")
    return [dict(v) for v in value]


ENV_VAR_FIELDS = ("name", "value", "valueFrom")


def _env_list(raw: Mapping[str, Any], where: str) -> list[Json]:
    """EnvVars as the API server stores them under the CRD's schema: unknown fields and nulls
    pruned (the Go user guide's S3 example has a `secretKeyRef` indented beside its `valueFrom`;
    a cluster drops it, and so do we, rather than fail creating every Job with it)."""
    return [
        {k: v[k] for k in ENV_VAR_FIELDS if v.get(k) is not None}
        for v in _obj_list(raw, "env", where)
    ]


def _str_map(raw: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = raw.get(key) or {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InputError(f"Gatling {where}.{key} is {value!r}; expected a map of strings")
    return dict(value)


def _str_list(raw: Mapping[str, Any], key: str) -> list[str]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(
            f"Gatling spec.reporterSpec.{key} is {value!r}; expected a list of strings"
        )
    return list(value)
