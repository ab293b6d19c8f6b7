"""Gatling resources used across the controller tests."""

from __future__ import annotations

import copy
from typing import Any

LINUX = {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}
LINUX_NODES = {"nodeSelectorTerms": [{"matchExpressions": [LINUX]}]}

MINIMAL: dict[str, Any] = {
    "apiVersion": "gatling-operator.tech.zozo.com/v1alpha1",
    "kind": "Gatling",
    "metadata": {"name": "minimal", "namespace": "load", "uid": "uid-minimal", "generation": 1},
    "spec": {
        "podSpec": {"serviceAccountName": "gatling-worker"},
        "testScenarioSpec": {"simulationClass": "MyBasicSimulation"},
    },
}

FULL: dict[str, Any] = {
    "apiVersion": "gatling-operator.tech.zozo.com/v1alpha1",
    "kind": "Gatling",
    "metadata": {
        "name": "full",
        "namespace": "load",
        "uid": "0a1b2c3d-0000-4000-8000-000000000001",
        "generation": 2,
        "labels": {"team": "search", "type": "overridden"},
        "annotations": {"example.com/owner": "qa"},
    },
    "spec": {
        "generateReport": True,
        "notifyReport": True,
        "cleanupAfterJobDone": True,
        "podSpec": {
            "serviceAccountName": "gatling-worker",
            "gatlingImage": "ghcr.io/st-tech/gatling:3.9",
            "rcloneImage": "rclone/rclone",
            "resources": {"limits": {"cpu": "500m", "memory": "500Mi"}},
            "affinity": {
                "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": LINUX_NODES}
            },
            "tolerations": [
                {"key": "node-type", "operator": "Equal", "value": "load", "effect": "NoSchedule"}
            ],
            "volumes": [
                {"name": "resource-vol", "persistentVolumeClaim": {"claimName": "res-pvc"}}
            ],
            "securityContext": {
                "sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}]
            },
            "runnerContainerSecurityContext": {"runAsUser": 1000, "runAsGroup": 1000},
            "imagePullSecrets": [{"name": "registry"}],
            "nodeSelector": {"pool": "load"},
        },
        "cloudStorageSpec": {
            "provider": "aws",
            "bucket": "reports",
            "region": "ap-northeast-1",
            "env": [
                {
                    "name": "AWS_SECRET_ACCESS_KEY",
                    "valueFrom": {"secretKeyRef": {"name": "aws", "key": "secret"}},
                }
            ],
        },
        "persistentVolume": {
            "name": "res-pv",
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "capacity": {"storage": "1Gi"},
                "storageClassName": "",
                "local": {"path": "/data/resources"},
                "nodeAffinity": {"required": LINUX_NODES},
            },
        },
        "persistentVolumeClaim": {
            "name": "res-pvc",
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "",
                "volumeName": "res-pv",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
        "notificationServiceSpec": {"provider": "slack", "secretName": "slack"},
        "reporterSpec": {
            "thresholds": ["global.p95 < 800", "global.ko_percent <= 1"],
            "baseline": "previous",
        },
        "testScenarioSpec": {
            "startTime": "2026-01-02 03:04:05",
            "parallelism": 3,
            "simulationsFormat": "bundle",
            "resultsDirectoryPath": "/results",
            "simulationClass": "MyBasicSimulation",
            "simulationData": {"MyBasicSimulation.scala": "class MyBasicSimulation"},
            "resourceData": {"ids.csv": "id\n1\n"},
            "gatlingConf": {"gatling.conf": "gatling {}"},
            "env": [{"name": "ENV", "value": "dev"}],
            "volumeMounts": [{"name": "resource-vol", "mountPath": "/opt/gatling/extra"}],
        },
    },
}


def cr(base: dict[str, Any], **spec_changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with top-level spec keys replaced."""
    out = copy.deepcopy(base)
    out["spec"].update(spec_changes)
    return out
