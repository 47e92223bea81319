"""The Fuxing demo's layout: its planning areas, their targets and the relocation parks.

Names come from ``fuxing_handan_2018.txt`` (邯郸新闻网 2018-11-23); geometry,
sizes and targets are invented and schematic (:mod:`geo.demo.fuxing`).
"""

from __future__ import annotations

from geo.demo import _common as c

# name, name_full, name_en, kind, layout, (lon, lat), (w_m, h_m), angle, parent, targets
_AreaSpec = tuple[
    str, str, str, str, str, str, tuple[float, float], tuple[float, float], float, str | None, str
]

AREA_SPECS: tuple[_AreaSpec, ...] = (
    (
        "FX-Z01",
        "复兴经济开发区",
        "复兴经济开发区",
        "Fuxing Economic Development Zone",
        "zone",
        "一区一园一廊",
        (114.374, 36.630),
        (3400.0, 2600.0),
        8.0,
        None,
        "精密铸造、机械加工、科技装备、新材料",
    ),
    (
        "FX-P01",
        "循环经济及新型建材产业园",
        "循环经济及新型建材产业园",
        "Circular Economy and New Building Materials Park",
        "park",
        "一区一园一廊",
        (114.318, 36.538),
        (2000.0, 1600.0),
        -6.0,
        None,
        "新型建材、循环经济",
    ),
    (
        "FX-P02",
        "绿色制造产业园",
        "复兴绿色制造产业园",
        "Green Manufacturing Park",
        "park",
        "五园三基地",
        (114.367, 36.627),
        (1300.0, 1000.0),
        8.0,
        "FX-Z01",
        "精密铸造、高端液压件、机加工",
    ),
    (
        "FX-P03",
        "圣龙装备科技产业园",
        "复兴圣龙装备科技产业园",
        "Shenglong Equipment Technology Park",
        "park",
        "五园三基地",
        (114.385, 36.634),
        (900.0, 700.0),
        8.0,
        "FX-Z01",
        "科技装备、数控设备",
    ),
    (
        "FX-P04",
        "天钢新材料产业园",
        "复兴天钢新材料产业园",
        "Tiangang New Materials Park",
        "park",
        "五园三基地",
        (114.336, 36.594),
        (1100.0, 800.0),
        0.0,
        None,
        "新材料、新能源、新技术",
    ),
    (
        "FX-P05",
        "瑞伦轻工业产业园",
        "复兴瑞伦轻工业产业园",
        "Ruilun Light Industry Park",
        "park",
        "五园三基地",
        (114.421, 36.584),
        (800.0, 600.0),
        0.0,
        None,
        "轻工业、劳动密集型产业",
    ),
    (
        "FX-P06",
        "新经济产业园",
        "复兴新经济产业园",
        "New Economy Park",
        "park",
        "五园三基地",
        (114.444, 36.624),
        (700.0, 600.0),
        0.0,
        None,
        "新技术、新业态、新模式、新产业",
    ),
    (
        "FX-B01",
        "卓鸿孵化基地",
        "卓鸿创业孵化基地",
        "Zhuohong Incubation Base",
        "base",
        "五园三基地",
        (114.429, 36.641),
        (320.0, 260.0),
        0.0,
        None,
        "创业孵化、科技服务",
    ),
    (
        "FX-B02",
        "邯郸市创客孵化基地",
        "邯郸市创客创业孵化基地",
        "Handan Maker Incubation Base",
        "base",
        "五园三基地",
        (114.455, 36.609),
        (300.0, 240.0),
        0.0,
        None,
        "创客孵化、电子商务",
    ),
    (
        "FX-B03",
        "金诚创客孵化基地",
        "金诚创客创业孵化基地",
        "Jincheng Maker Incubation Base",
        "base",
        "五园三基地",
        (114.409, 36.616),
        (280.0, 240.0),
        0.0,
        None,
        "创客孵化、文化创意",
    ),
)
"""The layout elements (names from fuxing_handan_2018.txt; geometry schematic)."""

AREA_TARGETS: dict[str, dict[str, float]] = {
    "FX-Z01": c.planning_targets(
        far_min=1.0, far_max=2.5, invest_wan_per_mu=300, tax_wan_per_mu=20, output_wan_per_mu=400
    ),
    "FX-P01": c.planning_targets(
        far_min=0.8, far_max=2.0, invest_wan_per_mu=220, tax_wan_per_mu=15, output_wan_per_mu=300
    ),
    "FX-C01": c.planning_targets(
        far_min=0.8, far_max=2.0, invest_wan_per_mu=260, tax_wan_per_mu=18, output_wan_per_mu=450
    ),
    "FX-P02": c.planning_targets(
        far_min=1.0, far_max=2.0, invest_wan_per_mu=280, tax_wan_per_mu=18, output_wan_per_mu=380
    ),
    "FX-P03": c.planning_targets(
        far_min=1.2, far_max=2.5, invest_wan_per_mu=320, tax_wan_per_mu=22, output_wan_per_mu=450
    ),
    "FX-P04": c.planning_targets(
        far_min=1.0, far_max=2.2, invest_wan_per_mu=300, tax_wan_per_mu=20, output_wan_per_mu=420
    ),
    "FX-P05": c.planning_targets(
        far_min=1.2, far_max=3.0, invest_wan_per_mu=200, tax_wan_per_mu=12, output_wan_per_mu=300
    ),
    "FX-P06": c.planning_targets(
        far_min=1.5, far_max=3.5, invest_wan_per_mu=350, tax_wan_per_mu=25, output_wan_per_mu=500
    ),
    "FX-B01": c.planning_targets(
        far_min=1.5, far_max=3.0, invest_wan_per_mu=250, tax_wan_per_mu=15, output_wan_per_mu=300
    ),
    "FX-B02": c.planning_targets(
        far_min=1.5, far_max=3.0, invest_wan_per_mu=250, tax_wan_per_mu=15, output_wan_per_mu=300
    ),
    "FX-B03": c.planning_targets(
        far_min=1.5, far_max=3.0, invest_wan_per_mu=250, tax_wan_per_mu=15, output_wan_per_mu=300
    ),
}
"""Planning targets (invented, in the style of 工业项目建设用地控制指标)."""

RELOCATION_PARK: dict[str, str] = {
    "铸造及其他金属制品制造": "FX-P02",
    "通用设备制造业": "FX-P03",
    "专用设备制造业": "FX-P03",
    "金属制品业": "FX-P04",
    "橡胶和塑料制品业": "FX-P05",
}
"""Which park a relocating firm moves to, by industry ("订单"方式入园入区)."""
