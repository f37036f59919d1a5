"""`netlogs path --what-if` and the fixes of `netlogs trace` on the sample scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlogs.testing import invoke

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = str(ROOT / "sample_data" / "topology.yaml")
LOGS = str(ROOT / "sample_data" / "logs")
HUB_FIX = "udr:vnet-hub/snet-hub-mgmt:10.1.2.4/32->fw-hub"


def path(*args: str) -> tuple[int, str, str]:
    run = invoke(
        ["path", "--from", "vm-hub-jump", "--to", "kv-contoso-prod", "--topology", TOPOLOGY, *args]
    )
    return run.code, run.stdout, run.stderr


def test_what_if_prints_the_path_with_the_change_and_names_the_change() -> None:
    code, before, _ = path()
    assert code == 0 and "DELIVERED, no firewall" in before.splitlines()[0]
    code, out, err = path("--what-if", HUB_FIX, "-o", "table")
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0] == f"What if: {HUB_FIX} (applied to the model, not to Azure)"
    assert lines[1] == "vm-hub-jump -> kv-contoso-prod: DELIVERED through fw-hub"
    assert "rt-snet-hub-mgmt-whatif/whatif-10.1.2.4_32-via-fw-hub" in out


def test_what_if_is_repeatable_and_recorded_in_the_json() -> None:
    second = "pe-policies:vnet-spoke-kv/snet-pe:RouteTableEnabled"
    code, out, _ = path("--what-if", HUB_FIX, "--what-if", second, "-o", "json")
    doc = json.loads(out)
    assert code == 0 and doc["what_if"] == [HUB_FIX, second]
    assert doc["firewalls"] == ["fw-hub"] and doc["delivered"] is True


def test_without_what_if_the_json_has_no_what_if_key() -> None:
    code, out, _ = path("-o", "json")
    assert code == 0 and "what_if" not in json.loads(out)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("udr:vnet-hub/snet-hub-mgmt:10.1.2.4/33->fw-hub", "is not an IPv4 prefix"),
        ("udr:vnet-hub/snet-hub-mgmt", "expected udr:VNET/SUBNET"),
        ("udr:vnet-hub/snet-nope:10.1.2.4/32->fw-hub", "VNet vnet-hub has no subnet 'snet-nope'"),
        ("udr:vnet-hub/snet-hub-mgmt:10.1.2.4/32->fw-nope", "neither an IPv4 address nor a fire"),
    ],
)
def test_a_bad_change_is_one_error_line_and_exit_2(change: str, words: str) -> None:
    code, out, err = path("--what-if", change)
    assert code == 2 and out == ""
    assert err.startswith(f"Error: --what-if {change!r}") and words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_the_sample_trace_has_a_fix_for_vm_hub_jump(tmp_path: Path) -> None:
    run = invoke(
        [
            "trace",
            "--vault",
            "kv-contoso-prod",
            "--topology",
            TOPOLOGY,
            "--logs",
            LOGS,
            "--json",
            "-",
            "-o",
            "none",
        ]
    )
    assert run.code == 1
    doc = json.loads(run.stdout)
    fixes = {f["client"]: f for f in doc["fixes"]}
    hub = fixes["vm-hub-jump"]
    assert hub["changes"] == [HUB_FIX]
    assert hub["predicted_verdict"] == "REACHED_VIA_FIREWALL (predicted)"
    assert hub["az_commands"][1] == (
        "az network route-table route create -g <resource-group> --route-table-name "
        "rt-snet-hub-mgmt-whatif -n whatif-10.1.2.4_32-via-fw-hub --address-prefix 10.1.2.4/32 "
        "--next-hop-type VirtualAppliance --next-hop-ip-address 10.0.0.68"
    )
    assert hub["affected_clients"] == [] and "<resource-group>" in hub["note"]
    assert fixes["vm-etl-01"]["changes"] == [
        "private-dns:vm-etl-01:privatelink.vaultcore.azure.net"
    ]
    # the public-endpoint violation comes from an address the topology does not place: no fix
    assert "203.0.113.45" not in {f["client_ip"] for f in doc["fixes"]}
    # the saved result renders again with the fixes (round trip through json_read)
    saved = tmp_path / "result.json"
    saved.write_text(run.stdout, encoding="utf-8")
    markdown, html = tmp_path / "again.md", tmp_path / "again.html"
    again = invoke(["report", str(saved), "--markdown", str(markdown), "--html", str(html)])
    assert again.code == 0, again.stderr
    page = html.read_text(encoding="utf-8")
    assert page.count('<div class="fix">') == 2
    assert (
        '<pre class="fix-az"><code>az network route-table create -g &lt;resource-group&gt; '
        "-n rt-snet-hub-mgmt-whatif\n"
    ) in page
    text = markdown.read_text(encoding="utf-8")
    assert "Smallest fix (predicted by the model, not applied): add a UDR 10.1.2.4/32" in text
    assert "   az network route-table create -g <resource-group> -n rt-snet-hub-mgmt-whatif" in text


def test_the_terminal_prints_one_fix_line_under_each_explained_violation() -> None:
    run = invoke(
        [
            "trace",
            "--vault",
            "kv-contoso-prod",
            "--topology",
            TOPOLOGY,
            "--logs",
            LOGS,
            "-o",
            "table",
        ]
    )
    fix_lines = [
        line.strip() for line in run.stdout.splitlines() if line.strip().startswith("fix:")
    ]
    assert fix_lines == [
        f"fix: {HUB_FIX} -> REACHED_VIA_FIREWALL (predicted)",
        "fix: private-dns:vm-etl-01:privatelink.vaultcore.azure.net -> REACHED_VIA_FIREWALL "
        "(predicted)",
    ]
