"""A node agent for the API emulator: it runs the store's pods as podman (or docker) containers.

    node = PodmanNode(k8s.store, ["tools/containers/podman.sh"], work_dir, kubeconfig)
    with node, JobController(k8s.store, node.policy):
        ...   # every pod created meanwhile runs for real; node.logs(pod) has its output

What a kubelet does, in the small: for each pod it sees (in `namespace`, or every namespace) the
init containers run one after another, each to completion, then the containers all at once;
the pod's phase and its init/container statuses (waiting, running, terminated with exit code)
are written back to the pod's status as they change; a pod that is deleted has its containers
removed. Volumes: emptyDir (a world-writable folder, as the kubelet makes it), configMap and
secret (their keys as files), downwardAPI (fieldRef items) and hostPath (the same path inside
and outside, created for DirectoryOrCreate); subPath and readOnly mounts. Env: value, fieldRef
(metadata.name/namespace/uid, labels, annotations, spec.nodeName/serviceAccountName,
status.podIP/hostIP), configMapKeyRef, secretKeyRef and envFrom. Container `command` replaces
the image's ENTRYPOINT and `args` its CMD, as in Kubernetes; `$(VAR)` references are not expanded.
Other volume kinds or fields fail the pod with a message saying which. Every container shares the
host's network, so the emulator on 127.0.0.1 is reachable, and gets the emulator's kubeconfig
mounted, with KUBECONFIG pointing at it (no in-cluster ServiceAccount: KUBERNETES_SERVICE_HOST
stays unset). Each container's output is kept in `<work>/pods/<namespace>/<pod>/logs/<name>.log`
(there is no pods/log route).

Everything reaches the container tool as an argv list, never as shell text; paths from the pod
(mount paths, subPaths, item paths) are checked before use. Every wait is bounded: a container
runs at most `container_timeout` seconds, podman calls that clean up at most `tool_timeout`.

Use `policy` as the JobController's phase policy: the pods' phases are then the node's.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

from gatling_kube_emulator.kinds import CONFIGMAP, POD, SECRET
from gatling_kube_emulator.store import ApiError, Obj, Store, now_rfc3339

MERGE_PATCH = "application/merge-patch+json"
KUBECONFIG_IN_CONTAINER = "/etc/gatling-node/kubeconfig"
LABEL = "gatling-kube-emulator.node/pod-uid"
HOST_IP = "127.0.0.1"
_FIELD_LABEL = re.compile(r"^metadata\.(labels|annotations)\['([^']*)'\]$")
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


class PodError(Exception):
    """The pod cannot run on this node (an unsupported field, a missing ConfigMap, ...)."""


@dataclass
class _Container:
    spec: Obj
    init: bool
    name: str = ""
    state: Obj = field(default_factory=lambda: {"waiting": {"reason": "ContainerCreating"}})
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    def status(self, container_id: str) -> Obj:
        terminated = "terminated" in self.state
        return {
            "name": self.spec["name"],
            "image": self.spec.get("image", ""),
            "imageID": "",
            "containerID": f"podman://{container_id}" if self.process is not None else "",
            "ready": "running" in self.state and not self.init,
            "started": "running" in self.state,
            "restartCount": 0,
            "state": self.state,
            **({"lastState": {}} if terminated else {}),
        }


class PodmanNode:
    """Runs the store's pods as containers; `start()`/`stop()` or a context manager."""

    def __init__(
        self,
        store: Store,
        tool: Sequence[str],
        work: Path,
        kubeconfig: Path,
        *,
        namespace: str | None = None,
        node_name: str = "emulator-node",
        tick: float = 0.2,
        container_timeout: float = 900.0,
        tool_timeout: float = 60.0,
        run_options: Sequence[str] = (),
    ) -> None:
        self.store = store
        self.tool = list(tool)
        self.work = work
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.node_name = node_name
        self.tick = tick
        self.container_timeout = container_timeout
        self.tool_timeout = tool_timeout
        self.run_options = list(run_options)
        self._pods: dict[str, _PodRun] = {}  # pod uid -> its run (finished ones stay)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the JobController's policy ------------------------------------------------------------
    def policy(self, job: Obj, pod: Obj, age: float) -> str:
        """The phase this node wrote (a JobController then never changes it itself)."""
        return str((pod.get("status") or {}).get("phase") or "Pending")

    # --- control -------------------------------------------------------------------------------
    def start(self) -> PodmanNode:
        self.work.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, daemon=True, name="podman-node")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching and remove every container still running (bounded)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.tick + 5)
        with self._lock:
            runs = list(self._pods.values())
        for run in runs:
            run.cancel()
        for run in runs:
            run.join(self.tool_timeout + 10)

    def __enter__(self) -> PodmanNode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what the tests read -------------------------------------------------------------------
    def pod_dir(self, namespace: str, name: str) -> Path:
        return self.work / "pods" / namespace / name

    def logs(self, namespace: str, name: str) -> dict[str, str]:
        """Container name -> its output so far, of one pod."""
        folder = self.pod_dir(namespace, name) / "logs"
        if not folder.is_dir():
            return {}
        return {p.stem: p.read_text("utf-8", "replace") for p in sorted(folder.glob("*.log"))}

    def all_logs(self) -> dict[str, str]:
        """`<namespace>/<pod>/<container>` -> output, of every pod this node ran."""
        with self._lock:
            runs = list(self._pods.values())
        return {
            f"{run.namespace}/{run.name}/{container}": text
            for run in runs
            for container, text in self.logs(run.namespace, run.name).items()
        }

    def running(self) -> list[str]:
        """Names of the containers this node started that the tool still lists."""
        listed = subprocess.run(
            [*self.tool, "ps", "--all", "--filter", f"label={LABEL}", "--format", "{{.Names}}"],
            capture_output=True,
            text=True,
            timeout=self.tool_timeout,
            check=False,
        )
        return listed.stdout.split()

    # --- the loop ------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._sync()
            except Exception as exc:  # never die silently: keep trying, say why
                print(f"podman-node: sync failed: {exc!r}", flush=True)
            self._stop.wait(self.tick)

    def _sync(self) -> None:
        pods, _ = self.store.select(POD, self.namespace)
        alive = {
            p["metadata"]["uid"]: p for p in pods if not p["metadata"].get("deletionTimestamp")
        }
        with self._lock:
            for uid, run in self._pods.items():
                if uid not in alive:
                    run.cancel()  # deleted: its containers go
            for uid, pod in alive.items():
                phase = (pod.get("status") or {}).get("phase")
                if uid in self._pods or phase in ("Succeeded", "Failed"):
                    continue
                run = _PodRun(self, pod)
                self._pods[uid] = run
                run.start()


class _PodRun:
    """One pod: its volumes, its containers in Kubernetes' order, its status written back."""

    def __init__(self, node: PodmanNode, pod: Obj) -> None:
        self.node = node
        self.pod = pod
        meta = pod["metadata"]
        self.namespace: str = meta.get("namespace", "default")
        self.name: str = meta["name"]
        self.uid: str = meta["uid"]
        self.dir = node.pod_dir(self.namespace, self.name)
        spec = pod.get("spec") or {}
        self.init = [_Container(c, True) for c in spec.get("initContainers") or []]
        self.main = [_Container(c, False) for c in spec.get("containers") or []]
        for c in [*self.init, *self.main]:
            c.name = f"k8s-{self.name}-{c.spec['name']}-{self.uid[:8]}"
        self.phase = "Pending"
        self.reason = ""
        self.message = ""
        self.start_time = ""
        self._cancelled = threading.Event()
        self._status_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"pod-{self.name}")

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancelled.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    # --- the pod's life ------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            ok = self._run_containers()
        except PodError as exc:
            ok, self.reason, self.message = False, "NodeUnsupported", str(exc)
        except Exception as exc:  # a node bug: the pod fails and says so, the test does not hang
            ok, self.reason, self.message = False, "NodeError", repr(exc)
        finally:
            self._remove_all()
        if self._cancelled.is_set():
            return  # deleted: no status to write
        self.phase = "Succeeded" if ok else "Failed"
        self._write_status()

    def _run_containers(self) -> bool:
        (self.dir / "logs").mkdir(parents=True, exist_ok=True)
        self.start_time = now_rfc3339()
        mounts = self._volumes()
        self._write_status()
        for container in self.init:
            self._start(container, mounts)
            if not self._wait([container]) or self._cancelled.is_set():
                return False
        self.phase = "Running"
        for container in self.main:
            self._start(container, mounts)
        return self._wait(self.main)

    def _start(self, container: _Container, volumes: dict[str, Path]) -> None:
        argv = self._argv(container, volumes)
        log = (self.dir / "logs" / f"{container.spec['name']}.log").open("ab")
        try:
            container.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        finally:
            log.close()  # the child has its own descriptor
        container.started = time.monotonic()
        container.state = {"running": {"startedAt": now_rfc3339()}}
        self._write_status()

    def _wait(self, containers: list[_Container]) -> bool:
        """Until every container ended (or the pod was deleted, or a timeout): all exited 0?"""
        pending = list(containers)
        while pending:
            if self._cancelled.wait(0.1):
                return False
            for container in list(pending):
                process = container.process
                assert process is not None
                code = process.poll()
                if (
                    code is None
                    and time.monotonic() - container.started > self.node.container_timeout
                ):
                    self._remove(container)
                    code = process.wait(self.node.tool_timeout)
                    container.state = _terminated(code, "DeadlineExceeded", container.started)
                elif code is not None:
                    container.state = _terminated(code, None, container.started)
                else:
                    continue
                pending.remove(container)
                self._write_status()
        return all(c.state["terminated"]["exitCode"] == 0 for c in containers)

    # --- the container tool ----------------------------------------------------------------------
    def _argv(self, container: _Container, volumes: dict[str, Path]) -> list[str]:
        spec = container.spec
        image = spec.get("image")
        if not isinstance(image, str) or not image or image.startswith("-"):
            raise PodError(f"container {spec.get('name')}: no image")
        argv = [*self.node.tool, "run", "--rm", "--name", container.name, "--pull", "never"]
        argv += ["--network", "host", "--label", f"{LABEL}={self.uid}"]
        if _NAME.match(self.name) and Path(self.node.tool[0]).name != "docker":
            argv += ["--hostname", self.name[:63]]  # docker refuses it with the host's network
        argv += [
            "--mount",
            f"type=bind,source={self.node.kubeconfig},destination={KUBECONFIG_IN_CONTAINER},ro=true",
            "--env",
            f"KUBECONFIG={KUBECONFIG_IN_CONTAINER}",
        ]
        for name, value in self._env(spec).items():
            argv += ["--env", f"{name}={value}"]
        for mount in spec.get("volumeMounts") or []:
            argv += ["--mount", self._mount(mount, volumes)]
        user = _run_as(self.pod, spec)
        if user:
            argv += ["--user", user]
        if spec.get("workingDir"):
            argv += ["--workdir", _absolute(spec["workingDir"], "workingDir")]
        argv += self.node.run_options
        command = [str(a) for a in spec.get("command") or []]
        args = [str(a) for a in spec.get("args") or []]
        if command:
            # podman reads an entrypoint starting with '[' as JSON; docker takes it as it is.
            entrypoint = json.dumps([command[0]]) if command[0].startswith("[") else command[0]
            argv += ["--entrypoint", entrypoint]
            return [*argv, image, *command[1:], *args]
        return [*argv, image, *args]

    def _remove(self, container: _Container) -> None:
        if container.process is None:
            return
        subprocess.run(
            [*self.node.tool, "rm", "--force", "--time", "2", container.name],
            capture_output=True,
            timeout=self.node.tool_timeout,
            check=False,
        )

    def _remove_all(self) -> None:
        for container in [*self.init, *self.main]:
            process = container.process
            if process is None:
                continue
            if process.poll() is None:
                self._remove(container)
                try:
                    process.wait(self.node.tool_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
                if "terminated" not in container.state:
                    container.state = _terminated(137, "Killed", container.started)

    # --- env -----------------------------------------------------------------------------------
    def _env(self, spec: Obj) -> dict[str, str]:
        env: dict[str, str] = {}
        for source in spec.get("envFrom") or []:
            prefix = str(source.get("prefix") or "")
            if "configMapRef" in source:
                data = self._data(CONFIGMAP, source["configMapRef"])
            elif "secretRef" in source:
                data = self._data(SECRET, source["secretRef"])
            else:
                raise PodError(f"envFrom {sorted(source)} is not supported")
            env.update({f"{prefix}{k}": v.decode("utf-8", "replace") for k, v in data.items()})
        for item in spec.get("env") or []:
            name = str(item["name"])
            if "valueFrom" not in item:
                env[name] = str(item.get("value", ""))
                continue
            source = item["valueFrom"]
            if "fieldRef" in source:
                env[name] = self._field(source["fieldRef"]["fieldPath"])
            elif "configMapKeyRef" in source or "secretKeyRef" in source:
                kind = CONFIGMAP if "configMapKeyRef" in source else SECRET
                ref = source.get("configMapKeyRef") or source["secretKeyRef"]
                data = self._data(kind, ref)
                if ref["key"] in data:
                    env[name] = data[ref["key"]].decode("utf-8", "replace")
                elif not ref.get("optional"):
                    raise PodError(f"env {name}: no key {ref['key']!r} in {ref.get('name')}")
            else:
                raise PodError(f"env {name}: valueFrom {sorted(source)} is not supported")
        return env

    def _field(self, path: str) -> str:
        meta = self.pod["metadata"]
        fields = {
            "metadata.name": self.name,
            "metadata.namespace": self.namespace,
            "metadata.uid": self.uid,
            "spec.nodeName": self.node.node_name,
            "spec.serviceAccountName": (self.pod.get("spec") or {}).get(
                "serviceAccountName", "default"
            ),
            "status.podIP": HOST_IP,
            "status.hostIP": HOST_IP,
        }
        if path in fields:
            return str(fields[path])
        found = _FIELD_LABEL.match(path)
        if found:
            return str((meta.get(found.group(1)) or {}).get(found.group(2), ""))
        raise PodError(f"fieldRef {path!r} is not supported")

    def _data(self, kind: Any, ref: Obj) -> dict[str, bytes]:
        """A ConfigMap's or Secret's keys as bytes ({} when missing and optional)."""
        try:
            obj = self.node.store.get(kind, self.namespace, str(ref.get("name") or ""))
        except ApiError:
            if ref.get("optional"):
                return {}
            raise PodError(f"{kind.kind} {ref.get('name')!r} not found") from None
        data: dict[str, bytes] = {}
        if kind is SECRET:
            for key, value in (obj.get("data") or {}).items():
                data[key] = base64.b64decode(value)
            for key, value in (obj.get("stringData") or {}).items():
                data[key] = str(value).encode()
        else:
            for key, value in (obj.get("data") or {}).items():
                data[key] = str(value).encode()
            for key, value in (obj.get("binaryData") or {}).items():
                data[key] = base64.b64decode(value)
        return data

    # --- volumes -------------------------------------------------------------------------------
    def _volumes(self) -> dict[str, Path]:
        """Volume name -> the host folder (or hostPath) that backs it."""
        out: dict[str, Path] = {}
        for volume in (self.pod.get("spec") or {}).get("volumes") or []:
            name = str(volume["name"])
            if not _NAME.match(name):
                raise PodError(f"volume name {name!r}")
            folder = self.dir / "volumes" / name
            if "emptyDir" in volume:
                folder.mkdir(parents=True, exist_ok=True)
                folder.chmod(0o777)  # as the kubelet makes it: any uid of the pod writes
            elif "configMap" in volume or "secret" in volume:
                ref = volume.get("configMap") or {}
                kind = CONFIGMAP
                if "secret" in volume:
                    kind, ref = SECRET, {**volume["secret"], "name": volume["secret"]["secretName"]}
                self._files(folder, self._data(kind, ref), ref.get("items"))
            elif "downwardAPI" in volume:
                items = volume["downwardAPI"].get("items") or []
                for item in items:
                    if "fieldRef" not in item:
                        raise PodError(f"downwardAPI item {sorted(item)} is not supported")
                data = {i["path"]: self._field(i["fieldRef"]["fieldPath"]).encode() for i in items}
                self._files(folder, data, None)
            elif "hostPath" in volume:
                folder = Path(_absolute(volume["hostPath"]["path"], "hostPath"))
                kind_of = volume["hostPath"].get("type") or ""
                if kind_of == "DirectoryOrCreate":
                    folder.mkdir(parents=True, exist_ok=True)
                elif kind_of == "Directory" and not folder.is_dir():
                    raise PodError(f"hostPath {folder} is not a directory")
                elif not folder.exists():
                    raise PodError(f"hostPath {folder} does not exist")
            else:
                kinds = sorted(k for k in volume if k != "name")
                raise PodError(f"volume {name}: {kinds} is not supported by this node")
            out[name] = folder
        return out

    def _files(self, folder: Path, data: dict[str, bytes], items: list[Obj] | None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        chosen = {str(i["key"]): str(i["path"]) for i in items} if items else {k: k for k in data}
        for key, relative in chosen.items():
            if key not in data:
                raise PodError(f"no key {key!r} to project")
            target = folder / _relative(relative, "item path")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data[key])
            target.chmod(0o644)
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)

    def _mount(self, mount: Obj, volumes: dict[str, Path]) -> str:
        name = str(mount.get("name"))
        if name not in volumes:
            raise PodError(f"volumeMount of an unknown volume {name!r}")
        source = volumes[name]
        if mount.get("subPath"):
            source = source / _relative(str(mount["subPath"]), "subPath")
            if not source.exists():
                source.mkdir(parents=True)
                source.chmod(0o777)
        destination = _absolute(str(mount.get("mountPath") or ""), "mountPath")
        for path in (str(source), destination):
            if "," in path or "=" in path:
                raise PodError(f"mount path {path!r}: ',' and '=' are not supported here")
        option = ",ro=true" if mount.get("readOnly") else ""
        return f"type=bind,source={source},destination={destination}{option}"

    # --- status --------------------------------------------------------------------------------
    def _write_status(self) -> None:
        with self._status_lock:
            status: Obj = {
                "phase": self.phase,
                "hostIP": HOST_IP,
                "podIP": HOST_IP,
                "startTime": self.start_time or now_rfc3339(),
                "initContainerStatuses": [c.status(c.name) for c in self.init],
                "containerStatuses": [c.status(c.name) for c in self.main],
                "conditions": self._conditions(),
            }
            if self.reason:
                status.update(reason=self.reason, message=self.message)
            try:
                self.node.store.patch(
                    POD, self.namespace, self.name, MERGE_PATCH, {"status": status}, "status"
                )
            except ApiError:
                self.cancel()  # the pod is gone (or replaced): stop what still runs

    def _conditions(self) -> list[Obj]:
        initialized = all("terminated" in c.state for c in self.init)
        ready = self.phase == "Running" and all("running" in c.state for c in self.main)
        now = now_rfc3339()

        def condition(type_: str, value: bool) -> Obj:
            return {"type": type_, "status": str(value), "lastTransitionTime": now}

        return [
            condition("PodScheduled", True),
            condition("Initialized", initialized),
            condition("ContainersReady", ready),
            condition("Ready", ready),
        ]


def _terminated(code: int, reason: str | None, started: float) -> Obj:
    begun = time.time() - (time.monotonic() - started)
    return {
        "terminated": {
            "exitCode": code,
            "reason": reason or ("Completed" if code == 0 else "Error"),
            "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(begun)),
            "finishedAt": now_rfc3339(),
        }
    }


def _run_as(pod: Obj, container: Obj) -> str:
    """--user from runAsUser/runAsGroup (the container's over the pod's), else the image's."""
    pod_context = (pod.get("spec") or {}).get("securityContext") or {}
    context = {**pod_context, **(container.get("securityContext") or {})}
    user, group = context.get("runAsUser"), context.get("runAsGroup")
    if user is None:
        return ""
    return f"{int(user)}:{int(group)}" if group is not None else str(int(user))


def _absolute(path: str, what: str) -> str:
    pure = PurePosixPath(path)
    if not pure.is_absolute() or ".." in pure.parts or "\0" in path or "\n" in path:
        raise PodError(f"{what} {path!r}: an absolute path without '..' is needed")
    return os.path.normpath(path)


def _relative(path: str, what: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\0" in path:
        raise PodError(f"{what} {path!r}: a relative path without '..' is needed")
    return str(pure)
