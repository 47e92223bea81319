"""A sample 报盘坐标 txt (勘测定界界址点坐标交换格式) for demos and tests.

:func:`sample_baopan_txt` writes two parcels in 复兴区 (Handan, CGCS2000 3°
zone 38 with the zone prefix, EPSG:4526), GBK-encoded with CRLF line ends as
surveyors' tools write them: ``BP-001`` has a hole (圈号 2), ``BP-002`` is a
plain rectangle. Both lie inside the Fuxing demo workspace's district and
clear of its parcels, so ``tenglong import`` accepts the file into
``data/fuxing.gpkg``. The text is written literally, not through
:mod:`geo.io.baopan`, so it also checks that reader independently.
"""

from __future__ import annotations

import os
from pathlib import Path

SAMPLE_ORIGIN = (4046700.0, 38528800.0)
"""(X northing, Y easting) of the south-west corner of ``BP-001``, in EPSG:4526."""

SAMPLE_PARCELS: dict[str, float] = {"BP-001": 2.88, "BP-002": 1.2}
"""Parcel ID → area in 公顷 (BP-001: 200 m × 150 m less a 40 m × 30 m hole)."""


def _ring(x0: float, y0: float, dx: float, dy: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x0 + dx, y0), (x0 + dx, y0 + dy), (x0, y0 + dy)]


def sample_baopan_text() -> str:
    """The text of the sample file (see the module docstring)."""
    x0, y0 = SAMPLE_ORIGIN
    outer = _ring(x0, y0, 150.0, 200.0)  # 150 m north-south, 200 m east-west
    hole = _ring(x0 + 60.0, y0 + 80.0, 30.0, 40.0)
    second = _ring(x0, y0 + 260.0, 100.0, 120.0)
    lines = [
        "[属性描述]",
        "格式版本号=1.01版本",
        "数据产生单位=复兴区自然资源局",
        "数据产生日期=2025-6-15",
        "坐标系=2000国家大地坐标系",
        "几度分带=3",
        "投影类型=高斯克吕格",
        "计量单位=米",
        "带号=38",
        "精度=0.001",
        "转换参数=,,,,,,",
        "[地块坐标]",
        "10,2.8800,BP-001,复兴区腾退地块一,面,J50G012034,工业用地,100102,@",
    ]
    k = 0
    for number, ring in ((1, outer), (2, hole)):
        first = k + 1
        for x, y in ring:
            k += 1
            lines.append(f"J{k},{number},{x:.3f},{y:.3f}")
        lines.append(f"J{first},{number},{ring[0][0]:.3f},{ring[0][1]:.3f}")
    lines.append("5,1.2000,BP-002,复兴区腾退地块二,面,,工业用地,,@")
    for i, (x, y) in enumerate([*second, second[0]], start=1):
        lines.append(f"J{1 if i == 5 else i},1,{x:.3f},{y:.3f}")
    return "\r\n".join(lines) + "\r\n"


def sample_baopan_txt(path: str | os.PathLike[str]) -> Path:
    """Write the sample 报盘 txt (GBK) to ``path`` and return the path.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = sample_baopan_txt(Path(d) / "报盘.txt")
    ...     p.read_bytes().decode("gbk").splitlines()[12]
    '10,2.8800,BP-001,复兴区腾退地块一,面,J50G012034,工业用地,100102,@'
    """
    out = Path(path)
    out.write_bytes(sample_baopan_text().encode("gbk"))
    return out
