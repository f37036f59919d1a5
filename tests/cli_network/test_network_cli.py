"""`netlogs routes` and `netlogs path`: exit codes, stdout, stderr, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlogs.cli import main

TOPOLOGY = Path(__file__).resolve().parents[1] / "fixtures" / "topology" / "hub_spoke.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return int(exit_info.value.code or 0), out, err


def test_routes_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "routes", "hub/GatewaySubnet", "--topology", str(TOPOLOGY), "--format", "json"
    )
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["subnet"] == "hub/GatewaySubnet"
    assert set(doc["routes"][0]) == {
        "source",
        "state",
        "prefix",
        "next_hop_type",
        "next_hop_ips",
        "name",
        "reason",
        "confidence",
    }
    pe = [r for r in doc["routes"] if r["next_hop_type"] == "InterfaceEndpoint"]
    assert pe == [
        {
            "source": "Default",
            "state": "Active",
            "prefix": "10.1.2.4/32",
            "next_hop_type": "InterfaceEndpoint",
            "next_hop_ips": [],
            "name": "pe-kv1",
            "reason": "",
            "confidence": "high",
        }
    ]


def test_routes_text_reads_like_az_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal: the az-shaped table
    code, out, _ = run(capsys, "routes", "spoke2/snet-vm", "--topology", str(TOPOLOGY))
    lines = out.splitlines()
    assert code == 0 and lines[0] == "Effective routes of spoke2/snet-vm (9 routes)"
    assert lines[2].split()[:4] == ["Source", "State", "Address", "Prefix"]
    assert any(
        line.split()[:5]
        == ["VirtualNetworkGateway", "Active", "172.20.0.0/16", "VirtualNetworkGateway", "10.0.0.5"]
        for line in lines
    )
    assert any(line.split() == ["Default", "Active", "10.0.0.0/8", "None"] for line in lines)


def test_routing_option_overrides_a_contested_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    topology = str(_e02_topology(tmp_path))
    option = "drop_reserved_none_when_user_default_route=false"
    code, out, _ = run(
        capsys,
        "routes",
        "spoke2/snet-vm",
        "--topology",
        topology,
        "--routing-option",
        option,
        "--format",
        "json",
    )
    assert code == 0
    assert sum(r["next_hop_type"] == "None" for r in json.loads(out)["routes"]) == 4
    code, out, err = run(
        capsys,
        "routes",
        "spoke2/snet-vm",
        "--topology",
        topology,
        "--routing-option",
        "nonsense=true",
    )
    assert code == 2 and "--routing-option" in err and out == ""


def test_path_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "path",
        "--from",
        "onprem-office",
        "--to",
        "kv1:443",
        "--topology",
        str(TOPOLOGY),
        "--format",
        "json",
    )
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert list(doc) == ["from", "to", "delivered", "drop_reason", "firewalls", "hops", "bypass",
                         "confidence", "unevaluated"]
    assert (doc["confidence"], doc["unevaluated"]) == ("high", [])
    assert doc["from"] == "onprem-office" and doc["to"] == "kv1:443"
    assert doc["delivered"] is True and doc["drop_reason"] is None and doc["firewalls"] == []
    assert [h["hop"] for h in doc["hops"]] == ["client", "gateway", "private_endpoint", "vault"]
    assert set(doc["hops"][0]) == {"hop", "name", "detail", "confidence"}
    assert doc["bypass"] == "private_endpoint_route"


def test_path_text_is_a_numbered_chain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "path",
        "--from",
        "vm-app",
        "--to",
        "kv1.vault.azure.net",
        "--topology",
        str(TOPOLOGY),
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("vm-app -> kv1.vault.azure.net: DROPPED: 10.0.0.0/8 None")
    assert lines[1].split()[:3] == ["1.", "client", "vm-app"]
    numbered = [line.split()[:2] for line in lines if line.split()[:1] in (["1."], ["2."])]
    assert numbered[1] == ["2.", "drop"]  # each hop's detail wraps under it to the width
    assert lines[-1] == "Confidence: high"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["routes", "nope/x"], "unknown subnet 'nope/x'"),
        (["path", "--from", "ghost", "--to", "kv1"], "unknown client 'ghost'"),
        (["path", "--from", "vm-app", "--to", "kv-missing"], "unknown destination 'kv-missing'"),
        (["path", "--from", "8.8.8.8", "--to", "kv1"], "8.8.8.8 is in no subnet"),
        (["path", "--from", "vm-app", "--to", "kv1:http"], "expected DEST or DEST:PORT"),
    ],
)
def test_unknown_things_exit_2_with_one_error_line(
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needle: str,
) -> None:
    code, out, err = run(capsys, *args, "--topology", str(TOPOLOGY))
    assert code == 2 and out == ""
    assert needle in err and "Error" in err


def test_missing_topology_file_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys, "routes", "hub/GatewaySubnet", "--topology", str(tmp_path / "none.yaml")
    )
    assert code == 2 and out == "" and err.startswith("Error: ")
    assert "none.yaml" in err


def test_bad_topology_content_is_an_error_naming_the_file(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("virtualNetworks:\n  - name: hub\n    addressPrefixes: [10.0.0.0/33]\n")
    code, out, err = run(capsys, "path", "--from", "hub/x", "--to", "kv1", "--topology", str(bad))
    assert code == 2 and out == "" and err.startswith("Error: ") and "bad.yaml" in err
    assert len(err.strip().splitlines()) == 1


def _e02_topology(tmp_path: Path) -> Path:
    text = TOPOLOGY.read_text(encoding="utf-8")
    old = "- {name: snet-vm, addressPrefix: 10.2.1.0/24}"
    assert old in text
    attached = text.replace(
        old, "- {name: snet-vm, addressPrefix: 10.2.1.0/24, routeTable: rt-spoke2}"
    )
    path = tmp_path / "e02.yaml"
    path.write_text(attached, encoding="utf-8")
    return path


def test_routes_text_explains_invalid_routes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal: the az-shaped table
    code, out, _ = run(
        capsys, "routes", "spoke2/snet-vm", "--topology", str(_e02_topology(tmp_path))
    )
    invalid = [line for line in out.splitlines() if " Invalid " in line]
    assert code == 0 and len(invalid) == 1
    assert invalid[0].split()[:4] == ["Default", "Invalid", "0.0.0.0/0", "Internet"]
    assert "overridden by User route" in invalid[0]  # the note wraps to the terminal width
    assert "overridden by User route default-to-fw with the same prefix" in " ".join(out.split())
    assert not any(line.split()[-1:] == ["None"] for line in out.splitlines())  # NONE4 removed


def test_path_text_through_the_firewall(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        "path",
        "--from",
        "10.2.1.4",
        "--to",
        "10.1.2.4:443",
        "--topology",
        str(_e02_topology(tmp_path)),
    )
    assert code == 0
    assert out.splitlines()[0] == "10.2.1.4 -> 10.1.2.4:443: DELIVERED through fw-hub"
    assert "udr 0.0.0.0/0 -> 10.0.0.68 (rt-spoke2)" in out
    assert "Bypass: asymmetric_return" in out
