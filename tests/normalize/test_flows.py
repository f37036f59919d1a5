"""Flow tuples of NSG v1/v2 and VNet v4, and Traffic Analytics rows."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from netlogs.model import EvidenceQuery, RawTable
from netlogs.normalize import normalize_evidence
from netlogs.sources.files import FileSource

LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
QUERY = EvidenceQuery("kv", "kv.vault.azure.net", (), (), None)
NSG_ID = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/N"


def _collect(tmp_path: Path) -> object:
    collected = FileSource(tmp_path).collect(QUERY)
    return normalize_evidence(collected.raw_tables, collected.parse_issues)


def _nsg_record(version: int, tuples: list[str]) -> dict[str, object]:
    return {"time": "2024-05-01T10:01:00Z", "category": "NetworkSecurityGroupFlowEvent",
            "resourceId": NSG_ID, "operationName": "NetworkSecurityGroupFlowEvents",
            "properties": {"Version": version, "flows": [
                {"rule": "UserRule_allow-kv", "flows": [{"mac": "000D3A000001",
                                                         "flowTuples": tuples}]}]}}


def test_nsg_v2_sample(tmp_path: Path) -> None:
    (tmp_path / "PT1H.json").write_bytes((LOGS / "docs_nsg_flowlog_v2_sample.json").read_bytes())
    flows = _collect(tmp_path).flows  # type: ignore[attr-defined]
    assert flows.height == 11 and set(flows["flow_log_kind"]) == {"nsg_v2"}
    first = flows.row(0, named=True)
    assert (first["src_ip"], first["dst_port"], first["protocol"], first["direction"],
            first["decision"], first["flow_state"], first["packets"]) == (
        "192.0.2.190", 443, "U", "I", "denied", "B", None)
    counted = flows.filter(pl.col("flow_state") == "C").row(0, named=True)
    assert (counted["packets"], counted["bytes"]) == (54, 30986)  # 30+24, 16978+14008
    assert first["time_start"] == datetime(2018, 11, 13, 12, 0, 2, tzinfo=timezone.utc)
    assert first["row_id"] == "PT1H.json:1.1" and first["nic"] == "000D3AF87856"


def test_nsg_v1_tuples_have_no_state(tmp_path: Path) -> None:
    record = _nsg_record(1, ["1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I,D"])
    (tmp_path / "v1.json").write_text(json.dumps({"records": [record]}))
    row = _collect(tmp_path).flows.row(0, named=True)  # type: ignore[attr-defined]
    assert (row["flow_log_kind"], row["decision"], row["flow_state"], row["bytes"]) == (
        "nsg_v1", "denied", None, None)


def test_vnet_v4_sample_in_milliseconds(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_bytes((LOGS / "docs_vnet_flowlog_v4_sample.json").read_bytes())
    flows = _collect(tmp_path).flows  # type: ignore[attr-defined]
    assert flows.height == 19 and set(flows["flow_log_kind"]) == {"vnet_v4"}
    end = flows.row(1, named=True)
    assert (end["protocol"], end["flow_state"], end["decision"], end["flow_encryption"],
            end["packets"], end["bytes"]) == ("T", "E", "allowed", "NX", 5, 2347)
    assert end["time_start"] == datetime(2022, 9, 14, 9, 0, 3, 606000, tzinfo=timezone.utc)
    denied = flows.filter(pl.col("flow_state") == "D")
    assert denied.height == 9 and set(denied["decision"]) == {"denied"}


def test_vnet_v4_seconds_and_empty_counters(tmp_path: Path) -> None:
    record = {"time": "2024-05-01T10:01:00Z", "flowLogVersion": 4, "category": "FlowLogFlowEvent",
              "macAddress": "00224871C205", "targetResourceID": "/x/virtualNetworks/v/subnets/s",
              "flowRecords": {"flows": [{"aclID": "a", "flowGroups": [{"rule": "r", "flowTuples": [
                  "1493763938,10.0.0.6,10.1.2.4,35000,443,17,O,B,NX,,,,",
                  "bad,tuple"]}]}]}}
    (tmp_path / "v4.json").write_text(json.dumps(record))
    tables = _collect(tmp_path)
    row = tables.flows.row(0, named=True)  # type: ignore[attr-defined]
    assert row["time_start"] == datetime(2017, 5, 2, 22, 25, 38, tzinfo=timezone.utc)
    assert (row["protocol"], row["subnet"]) == ("U", "/x/virtualNetworks/v/subnets/s")
    (issue,) = tables.issues  # type: ignore[attr-defined]
    assert (issue.origin, issue.line) == ("v4.json", 1) and "bad,tuple" in issue.reason


def test_traffic_analytics_sample_float_ports_and_intra_vnet_twins(tmp_path: Path) -> None:
    name = "msticpy_az_net_flows_TrafficAnalytics.csv"
    (tmp_path / name).write_bytes((LOGS / name).read_bytes())
    tables = _collect(tmp_path)
    flows = tables.flows  # type: ignore[attr-defined]
    assert flows.height == 457  # 460 rows, 3 intra-VNet flows reported at both NICs
    assert flows["dst_port"].dtype == pl.Int32 and 443 in flows["dst_port"].to_list()
    smb = flows.filter((pl.col("src_ip") == "10.0.3.4") & (pl.col("dst_ip") == "10.0.3.5")
                       & (pl.col("dst_port") == 445))
    assert set(smb["direction"]) == {"O"}  # the inbound copy was the duplicate
    assert smb["src_port"].null_count() == smb.height
    public = flows.filter(pl.col("row_id") == f"{name}:2").row(0, named=True)
    assert (public["src_ip"], public["dst_ip"], public["flow_count"]) == (
        "10.0.3.5", "65.55.44.109", 4)
    (summary,) = tables.sources  # type: ignore[attr-defined]
    assert "3 intra-VNet flows" in summary.detail


def test_ntanetanalytics_and_raw_ta_columns() -> None:
    nta = pl.DataFrame({
        "TimeGenerated": ["2024-05-01T11:00:00Z"], "FlowStartTime": ["2024-05-01T10:00:00Z"],
        "FlowEndTime": ["2024-05-01T10:05:00Z"], "FlowType": ["IntraVNet"],
        "SrcIp": ["10.2.1.4"], "DestIp": ["10.1.2.4"], "DestPort": [443],
        "L4Protocol": ["T"], "FlowDirection": ["O"], "FlowStatus": ["A"],
        "PrivateEndpointResourceId": ["/x/privateEndpoints/pe-kv"], "AllowedOutFlows": [3],
        "BytesSrcToDest": [100], "BytesDestToSrc": [50], "FlowEncryption": ["Unencrypted"],
    })
    ta = pl.DataFrame({
        "SubType_s": ["FlowLog", "Topology"], "FlowStartTime_t": ["2024-05-01T10:00:00Z"] * 2,
        "FlowEndTime_t": ["2024-05-01T10:05:00Z"] * 2, "FlowType_s": ["ExternalPublic"] * 2,
        "VMIP_s": ["10.2.1.4", None], "PublicIPs_s": ["1.1.1.1|1|0|0|0|0|0 2.2.2.2|1|0|0|0|0|0",
                                                       None],
        "DestPort_d": [443.0, None], "L4Protocol_s": ["T", None],
        "FlowDirection_s": ["O", None], "FlowStatus_s": ["D", None],
    })
    tables = normalize_evidence([RawTable("NTANetAnalytics", nta, "nta"),
                                 RawTable("AzureNetworkAnalytics_CL", ta, "ta")])
    flows = tables.flows
    assert "1 rows of SubType other than FlowLog skipped" in tables.sources[0].detail
    rows = flows.rows(named=True)
    assert (rows[0]["flow_log_kind"], rows[0]["private_endpoint_id"], rows[0]["bytes"]) == (
        "traffic_analytics_vnet", "/x/privateEndpoints/pe-kv", 150)
    assert [(r["src_ip"], r["dst_ip"], r["decision"]) for r in rows[1:]] == [
        ("10.2.1.4", "1.1.1.1", "denied"), ("10.2.1.4", "2.2.2.2", "denied")]
