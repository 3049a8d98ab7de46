"""deploy/k8s cannot be applied here (no cluster): check the manifests are complete and agree with
the code (settings read, service modules, consumer groups, topics, web routes) and with
docker-compose.yml (image, command, settings). When ``kubectl`` is installed its kustomize builds
both kustomizations; when the ``kubernetes_validate`` package is importable the core kinds are
validated against the Kubernetes API schema, strictly (no unknown fields)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from svodka.settings import PIPELINE_TOPICS, TOPIC_UNIQUE, Settings, variables

REPO = Path(__file__).resolve().parents[1]
K8S = REPO / "deploy" / "k8s"
STRIMZI = K8S / "strimzi"
NAMESPACE = "svodka"
SERVICES = ("dedup", "extract", "stories", "sink")
WEB_PORT = 6066


def load(directory: Path) -> list[tuple[Path, dict]]:
    docs = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [(path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    return docs


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return [doc for _, doc in load(K8S)]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def find(objects: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]


def one(objects: list[dict], kind: str, name: str) -> dict:
    found = find(objects, kind, name)
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def workloads(objects: list[dict]) -> dict[str, dict]:
    """Service name → its Deployment or StatefulSet."""
    return {o["metadata"]["name"]: o for o in objects if o["kind"] in ("Deployment", "StatefulSet")}


def container(workload: dict) -> dict:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


# Names Settings.from_env reads (the only reader of SVODKA_* variables).
SETTINGS_VARS = {var.env for var in variables()}
# Those whose defaults (localhost broker, embedded store, …) are wrong on a cluster.
REQUIRED_VARS = {"SVODKA_KAFKA_BOOTSTRAP", "SVODKA_CLICKHOUSE_URL", "SVODKA_PARTITIONS"}


@pytest.fixture(scope="module")
def apps() -> dict:
    """What the faust apps declare: id (= consumer group), agents' source topics, all topics.

    Imported in a process of their own: importing an app builds it (logging, sensors)."""
    code = """
import json
from svodka.runtime import streaming
from svodka.settings import Settings
import svodka_services.dedup.app as d, svodka_services.extract.app as e, svodka_services.sink.app as s
import svodka_services.stories.app as st
out = {}
for name, app in (("dedup", d.build(Settings.from_env())), ("extract", e.app), ("stories", st.app), ("sink", s.app)):
    out[name] = {
        "id": app.conf.id,
        "sources": sorted(t for agent in app.agents.values() for t in agent.channel.topics),
        "topics": streaming.declared_topics(app),
        "changelogs": sorted(t.changelog_topic.get_topic_name() for t in app.tables.values()),
        "internal": [f"{app.conf.id}-__assignor-__leader"],
        "pages": sorted(app.web.views),
    }
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- shape -------------------------------------------------------------------------------


def test_every_object_is_complete():
    for directory, namespace in ((K8S, NAMESPACE), (STRIMZI, "kafka")):
        docs = load(directory)
        assert docs, directory
        for path, doc in docs:
            where = f"{path.name}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            assert doc.get("apiVersion") and doc.get("kind"), where
            assert doc["metadata"].get("name"), where
            if doc["kind"] != "Namespace":
                assert doc["metadata"].get("namespace") == namespace, where
            assert doc["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "svodka", where


def test_kustomizations_list_every_file():
    for directory in (K8S, STRIMZI):
        kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
        assert kustomization["kind"] == "Kustomization"
        files = {p.name for p in directory.glob("*.yaml")} - {"kustomization.yaml"}
        assert sorted(kustomization["resources"]) == sorted(files), directory
    assert yaml.safe_load((K8S / "kustomization.yaml").read_text())["namespace"] == NAMESPACE


def test_the_stack_is_there_and_only_svodkas_part(objects):
    assert {o["metadata"]["name"] for o in find(objects, "Namespace")} == {NAMESPACE}
    assert one(objects, "StatefulSet", "dedup") and one(objects, "Deployment", "extract")
    assert one(objects, "Deployment", "sink") and one(objects, "StatefulSet", "stories")
    assert set(workloads(objects)) == set(SERVICES)
    # Kafka and ClickHouse come from operators: nothing here runs them.
    for workload in workloads(objects).values():
        assert container(workload)["image"].startswith("svodka")


# -- containers ----------------------------------------------------------------------------


def test_commands_run_the_services_as_compose_does(objects, compose):
    for name, workload in workloads(objects).items():
        command = container(workload)["command"]
        assert command[:2] == ["python", "-m"], name
        module = command[2]
        assert module == f"svodka_services.{name}"
        assert (REPO / "services" / name / "__main__.py").exists(), module
        # docker-compose passes the same arguments to the image's `python -m` entrypoint.
        assert command[2:2 + len(compose["services"][name]["command"])] == compose["services"][name]["command"]
        # ... plus the bind address: the apps bind 127.0.0.1 unless told otherwise (make_app),
        # and the kubelet's probes come to the pod's IP.
        assert command[command.index("--web-bind") + 1] == "0.0.0.0", name
        assert int(command[command.index("--web-port") + 1]) == WEB_PORT


def test_image_is_composes(objects, compose):
    image = compose["services"]["dedup"]["image"]
    assert image == "svodka:latest"
    for name, workload in workloads(objects).items():
        assert container(workload)["image"] == image, name
        assert container(workload)["imagePullPolicy"] == "IfNotPresent", name  # a locally built image works


def test_settings_are_the_ones_the_code_reads(objects, compose):
    config = one(objects, "ConfigMap", "svodka-config")["data"]
    secret = one(objects, "Secret", "svodka-clickhouse")["stringData"]
    assert set(config) | set(secret) <= SETTINGS_VARS, (set(config) | set(secret)) - SETTINGS_VARS
    assert REQUIRED_VARS <= set(config) | set(secret)
    assert set(secret) == {"SVODKA_CLICKHOUSE_URL"}
    assert config["SVODKA_PARTITIONS"] == str(Settings().partitions)
    # The same values as docker-compose (same service names, see external-services.yaml).
    compose_env = compose["x-svodka-env"]
    assert config == {k: v for k, v in compose_env.items() if k in config}
    url, compose_url = urlsplit(secret["SVODKA_CLICKHOUSE_URL"]), urlsplit(compose_env["SVODKA_CLICKHOUSE_URL"])
    assert (url.scheme, url.hostname, url.port, url.path) == (compose_url.scheme, compose_url.hostname,
                                                              compose_url.port, compose_url.path)
    assert url.username and url.password

    for name, workload in workloads(objects).items():
        c = container(workload)
        sources = {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in c.get("envFrom", [])}
        assert "svodka-config" in sources, name
        # Only the sink talks to ClickHouse, so only it gets the password.
        assert ("svodka-clickhouse" in sources) == (name == "sink"), name
        for var in c.get("env", []):
            assert var["name"] in SETTINGS_VARS, (name, var["name"])
            assert "valueFrom" not in var, "settings come from the ConfigMap and the Secret"


def test_the_state_dir_is_a_volume(objects):
    dockerfile = (REPO / "Dockerfile").read_text()
    data_dir = re.search(r"SVODKA_DATA_DIR=(\S+)", dockerfile).group(1)
    home = re.search(r"SVODKA_HOME=(\S+)", dockerfile).group(1)
    assert Path(data_dir).parent == Path(home)
    for name, workload in workloads(objects).items():
        c = container(workload)
        env = {v["name"]: v["value"] for v in c.get("env", [])}
        assert env.get("SVODKA_DATA_DIR", data_dir) == data_dir, name
        # faust creates the data dir without its parents: a volume must be mounted there.
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        assert home in mounts and "/tmp" in mounts, name
        assert c["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert workload["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True, name
    for stateful in ("dedup", "stories"):  # faust tables in RocksDB: a volume of their own
        workload = one(objects, "StatefulSet", stateful)
        claim = workload["spec"]["volumeClaimTemplates"][0]
        assert {m["mountPath"]: m["name"] for m in container(workload)["volumeMounts"]}[home] == \
            claim["metadata"]["name"]
        assert workload["spec"]["serviceName"] == one(objects, "Service", stateful)["metadata"]["name"]
        assert one(objects, "Service", stateful)["spec"]["clusterIP"] == "None"
    for name in ("extract", "sink"):
        volumes = {v["name"]: v for v in workloads(objects)[name]["spec"]["template"]["spec"]["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in container(workloads(objects)[name])["volumeMounts"]}
        assert "emptyDir" in volumes[mounts[home]], name


def test_resources_follow_the_measurements(objects):
    resources = {name: container(w)["resources"] for name, w in workloads(objects).items()}
    for name, r in resources.items():
        assert set(r) == {"requests", "limits"} and set(r["requests"]) == set(r["limits"]) == {"cpu", "memory"}, name
    assert resources["extract"] == {"requests": {"cpu": "1", "memory": "700Mi"},
                                    "limits": {"cpu": "1", "memory": "900Mi"}}

    def mebibytes(value: str) -> int:
        return int(value[:-2]) * (1024 if value.endswith("Gi") else 1)

    def millicores(value: str) -> int:
        return int(value[:-1]) if value.endswith("m") else int(float(value) * 1000)

    for name in ("dedup", "stories", "sink"):
        assert millicores(resources[name]["requests"]["cpu"]) < 1000, name
        assert mebibytes(resources[name]["requests"]["memory"]) < 700, name
        for kind in ("cpu", "memory"):
            convert = millicores if kind == "cpu" else mebibytes
            assert convert(resources[name]["requests"][kind]) <= convert(resources[name]["limits"][kind])


def test_probes_ask_routes_the_services_serve(objects, apps):
    for name, workload in workloads(objects).items():
        c = container(workload)
        assert c["ports"] == [{"name": "web", "containerPort": WEB_PORT}], name
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            get = c[probe]["httpGet"]
            assert get["port"] == "web", (name, probe)
            # "/" is faust's own index; anything else must be a page the app registers.
            assert get["path"] == "/" or get["path"] in apps[name]["pages"], (name, probe, get["path"])
    sink = container(workloads(objects)["sink"])
    assert sink["readinessProbe"]["httpGet"]["path"] == "/health/"
    assert "/health/" in apps["sink"]["pages"]


# -- scaling -------------------------------------------------------------------------------


def test_extract_autoscales_on_its_consumer_lag(objects, apps):
    scaled = one(objects, "ScaledObject", "extract")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    target = scaled["spec"]["scaleTargetRef"]
    assert target.get("kind", "Deployment") == "Deployment"
    deployment = one(objects, "Deployment", target["name"])
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    assert container(deployment)["command"][2] == "svodka_services.extract"
    partitions = Settings().partitions
    assert scaled["spec"]["maxReplicaCount"] == partitions
    assert 1 <= scaled["spec"]["minReplicaCount"] <= partitions

    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    # faust uses the app id as the Kafka consumer group; the agent reads articles.unique.
    assert meta["consumerGroup"] == apps["extract"]["id"] == "svodka-extract"
    assert meta["topic"] == TOPIC_UNIQUE and apps["extract"]["sources"] == [TOPIC_UNIQUE]
    # ≈ 25 articles/s per worker (40 ms each): the threshold is tens of seconds of work per worker.
    assert 10 * 25 <= int(meta["lagThreshold"]) <= 120 * 25
    assert meta["offsetResetPolicy"] == "earliest"
    assert meta["allowIdleConsumers"] == "false"
    # KEDA connects from its own namespace: the same alias Service, fully qualified.
    kafka_host, kafka_port = one(objects, "ConfigMap", "svodka-config")["data"]["SVODKA_KAFKA_BOOTSTRAP"].split(":")
    assert meta["bootstrapServers"] == f"{kafka_host}.{NAMESPACE}.svc.cluster.local:{kafka_port}"


def test_disruption_budgets_select_their_workers(objects):
    budgets = {b["metadata"]["name"]: b for b in find(objects, "PodDisruptionBudget")}
    assert "extract" in budgets
    for name, budget in budgets.items():
        labels = workloads(objects)[name]["spec"]["template"]["metadata"]["labels"]
        selector = budget["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items(), name
        assert budget["spec"]["maxUnavailable"] == 1  # never blocks a drain of a single replica
    for name, workload in workloads(objects).items():
        assert workload["spec"]["selector"]["matchLabels"].items() <= \
            workload["spec"]["template"]["metadata"]["labels"].items(), name


# -- the servers svodka uses ---------------------------------------------------------------


def test_kafka_and_clickhouse_are_reached_through_one_name_each(objects):
    services = {s["metadata"]["name"]: s for s in find(objects, "Service") if s["spec"].get("type") == "ExternalName"}
    config = one(objects, "ConfigMap", "svodka-config")["data"]
    url = urlsplit(one(objects, "Secret", "svodka-clickhouse")["stringData"]["SVODKA_CLICKHOUSE_URL"])
    kafka_host, kafka_port = config["SVODKA_KAFKA_BOOTSTRAP"].split(":")
    for host, port in ((kafka_host, int(kafka_port)), (url.hostname, url.port)):
        assert host in services, f"{host} is not a Service of the kustomization"
        assert port in {p["port"] for p in services[host]["spec"]["ports"]}
    # The Kafka alias points at the bootstrap service of the Strimzi cluster the topics are for.
    topic = next(doc for _, doc in load(STRIMZI))
    cluster, kafka_namespace = topic["metadata"]["labels"]["strimzi.io/cluster"], topic["metadata"]["namespace"]
    assert services[kafka_host]["spec"]["externalName"] == f"{cluster}-kafka-bootstrap.{kafka_namespace}.svc.cluster.local"


def test_strimzi_topics_cover_every_topic_the_services_use(apps):
    topics = {doc["spec"]["topicName"]: doc for _, doc in load(STRIMZI)}
    assert all(doc["kind"] == "KafkaTopic" for doc in topics.values())
    partitions = Settings().partitions
    used = set(PIPELINE_TOPICS)
    for app in apps.values():
        used |= set(app["topics"]) | set(app["internal"])
        for name in app["changelogs"]:
            assert topics[name]["spec"]["config"]["cleanup.policy"] == "compact", name
    missing = used - set(topics)
    assert not missing, f"add KafkaTopics to deploy/k8s/strimzi/topics.yaml for {sorted(missing)}"
    leaders = {name for app in apps.values() for name in app["internal"]}
    for name, doc in topics.items():
        spec = doc["spec"]
        assert spec["partitions"] == (1 if name in leaders else partitions), name
        assert int(spec["config"]["min.insync.replicas"]) < spec["replicas"], name
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", doc["metadata"]["name"]), name


# -- tools, when installed -----------------------------------------------------------------


def test_kustomize_builds_the_same_objects():
    kubectl = shutil.which("kubectl")
    if kubectl is None:  # .ci/run installs Debian's kubectl, so CI never skips this
        if os.environ.get("SVODKA_CI"):
            pytest.fail("kubectl is missing in CI: .ci/run installs Debian's package")
        pytest.skip("kubectl is not installed (apt-get install kubectl)")
    for directory in (K8S, STRIMZI):
        proc = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        built = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
        key = lambda o: (o["kind"], o["metadata"]["name"], o["metadata"].get("namespace"))  # noqa: E731
        assert sorted(map(key, built)) == sorted(key(doc) for _, doc in load(directory))


def test_core_kinds_validate_against_the_kubernetes_schema():
    import kubernetes_validate  # in the test extras: never skipped
    for path, doc in load(K8S):
        if doc["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: no schema offline (its fields are checked above)
        for version in ("1.29.0", "1.33.0"):
            kubernetes_validate.validate(doc, version, strict=True)
