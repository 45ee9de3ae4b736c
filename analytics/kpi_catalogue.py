"""The KPI catalogue of DESIGN §4: every KPI declared once, in report order.

The ids are a contract (CLI, exports, tests). How each is computed lives in analytics/kpis.py,
one SQL column per id.

No data is not zero (DESIGN §4): every KPI names the ``source`` records it is computed from
(``SOURCES``). For a period those records do not reach, the KPI has no value (None, ``null`` in
``manage.py kpis --json``, "无数据" on screen and in documents): it is never missed, never an
anomaly, never in the unmet-KPI analysis. Inside the reach, a count of 0 and a rate of 0 % are
true figures. analytics/kpi_reach.py measures the reach.
"""

from __future__ import annotations

from dataclasses import dataclass

UNITS = ("ratio", "pct", "count", "minutes", "hours", "score")
DIRECTIONS = ("higher", "lower", "none")
GROUPS = ("volume", "sla", "quality", "change", "availability", "satisfaction", "workload", "report")


def _in_language(lang: str, zh: str, en: str) -> str:
    """The Chinese or the English text of a declaration, as ``lang`` (zh_CN, en) asks."""
    return zh if lang.startswith("zh") else en


@dataclass(frozen=True)
class Source:
    """The records a KPI is computed from, and when a period has none (then the KPI is None)."""

    id: str
    rule_zh: str
    rule_en: str

    def rule(self, lang: str) -> str:
        return _in_language(lang, self.rule_zh, self.rule_en)


# A period is "reached" by a source when it overlaps the span from the source's first record
# to its newest one (analytics/kpi_reach.py); within that span an empty period is a true 0.
# Besides, every rate is None when its own denominator (in the formula) is empty.
_SOURCES = (
    Source("tickets",
           "工单记录（任何类型）：期间须在项目首张工单创建至最新工单事件（创建、响应、解决、关闭）之间；"
           "在此范围内，数量为 0 即真实的 0",
           "Ticket records (any kind): the period must lie between the project's first ticket created "
           "and its newest ticket event (created, responded, resolved, closed); inside that span a "
           "count of 0 is a true zero"),
    Source("responses",
           "首次响应时间：期间须在首张有首次响应记录的工单创建之后、最新工单事件之前；"
           "数据源不记录响应时间时，响应类指标无数据，而不是全部违约",
           "First-response times: the period must lie between the first ticket created that records "
           "one and the newest ticket event; a source without response times gives no value, not "
           "all breaches"),
    Source("tiers",
           "支持层级：期间须在记录了处理层级（tier）或升级标记的已解决工单范围内（按解决时间）",
           "Support levels: the period must lie within the resolved tickets that record a tier or an "
           "escalation (by resolution time)"),
    Source("change_outcomes",
           "变更结果：期间须在记录了结果（outcome）的已关闭变更范围内（按关闭时间）",
           "Change outcomes: the period must lie within the closed changes that record an outcome "
           "(by closing time)"),
    Source("change_types",
           "变更类型：期间须在记录了变更类型的已关闭变更范围内（按关闭时间）",
           "Change types: the period must lie within the closed changes that record a change type "
           "(by closing time)"),
    Source("outages",
           "服务与停机记录：策略中须有带可用率目标的服务，项目须有停机记录，且期间在项目数据范围内"
           "（工单与停机记录）；没有停机记录时不推定为 100%",
           "Services and outages: the policy must give services an availability target, the project "
           "must have outage records, and the period must lie within its data (tickets and outages); "
           "no outage records is not taken for 100 %"),
    Source("callbacks",
           "回访记录：期间须在项目回访记录（首条至最新一条）范围内",
           "Callback records: the period must lie between the project's first and newest callback"),
    Source("complaints",
           "投诉登记：投诉在本系统登记；期间须在项目工单或投诉记录（首条至最新一条）范围内，"
           "在此范围内没有投诉即真实的 0",
           "Complaint register: complaints are recorded here; the period must lie between the "
           "project's first and newest ticket or complaint, and inside that span no complaint is a "
           "true zero"),
    Source("staff",
           "工时登记与可用工时：本期须有可用工时（人员容量）记录，且期间在工时登记范围内（首条至最新一条）",
           "Worklogs and staff capacity: the period must have hours available (staff capacity) and lie "
           "between the project's first and newest worklog"),
    Source("reports",
           "报告：本期须有到期的报告（没有报告定义时无数据）",
           "Reports: some report must fall due in the period (none without report definitions)"),
)  # fmt: skip

SOURCES: dict[str, Source] = {s.id: s for s in _SOURCES}


NEAR_MISS = 0.02  # a target missed by at most 2 % of it is amber (close), not red


@dataclass(frozen=True)
class KpiDef:
    id: str
    name_zh: str
    name_en: str
    unit: str  # 'ratio' (0–1, shown as %), 'pct' (0–100), 'count', 'minutes', 'hours', 'score'
    direction: str  # 'higher' | 'lower' | 'none' (informational, no target)
    formula_zh: str
    formula_en: str
    default_target: float | None
    group: str
    source: str  # the records it needs (SOURCES): without them in a period, the KPI has no value

    def name(self, lang: str) -> str:
        return _in_language(lang, self.name_zh, self.name_en)

    def formula(self, lang: str) -> str:
        return _in_language(lang, self.formula_zh, self.formula_en)

    def is_met(self, value: float | None, target: float | None) -> bool | None:
        if value is None or target is None or self.direction == "none":
            return None
        return value >= target if self.direction == "higher" else value <= target

    def status(self, value: float | None, target: float | None) -> str | None:
        """The traffic light of a value against its target: "met", "near" (missed by at most
        ``NEAR_MISS`` of the target) or "missed"; None where nothing is compared."""
        met = self.is_met(value, target)
        if met is None:
            return None
        if met:
            return "met"
        return "near" if abs(value - target) <= NEAR_MISS * abs(target) else "missed"


_DEFS = (
    KpiDef("tickets_opened", "新增工单数", "Tickets opened", "count", "none",
           "本期创建的事件和服务请求数", "Incidents and requests created in the period",
           None, "volume", "tickets"),
    KpiDef("tickets_resolved", "解决工单数", "Tickets resolved", "count", "none",
           "本期解决的事件和服务请求数", "Incidents and requests resolved in the period",
           None, "volume", "tickets"),
    KpiDef("backlog_end", "期末积压工单数", "Backlog at period end", "count", "lower",
           "期末前创建且期末时尚未解决的事件和服务请求数",
           "Incidents and requests created before the period end and not resolved by then",
           None, "volume", "tickets"),
    KpiDef("major_incidents", "重大事件数", "Major incidents", "count", "lower",
           "本期创建的重大事件数", "Incidents flagged major created in the period",
           0.0, "volume", "tickets"),
    KpiDef("response_sla_rate", "响应及时率", "Response SLA attainment", "ratio", "higher",
           "本期创建且有响应目标的工单中，按服务日历在目标时间内响应的比例（未响应且已超时计为违约）",
           "Share of tickets created in the period with a response target that were responded to "
           "within it in business time (no response and target passed = breach)",
           0.95, "sla", "responses"),
    KpiDef("resolution_sla_rate", "解决及时率", "Resolution SLA attainment", "ratio", "higher",
           "本期解决且有解决目标的工单中，扣除挂起时间后按服务日历在目标时间内解决的比例",
           "Share of tickets resolved in the period with a resolution target whose business time "
           "from created to resolved, minus pauses, was within it",
           0.95, "sla", "tickets"),
    KpiDef("mtta_minutes", "平均响应时长（分钟）", "Mean time to acknowledge (minutes)", "minutes", "lower",
           "本期创建工单从创建到首次响应的平均自然时长",
           "Mean wall-clock minutes from created to first response, tickets created in the period",
           None, "sla", "responses"),
    KpiDef("mttr_hours", "平均解决时长（小时）", "Mean time to resolve (hours)", "hours", "lower",
           "本期解决工单从创建到解决的平均自然时长",
           "Mean wall-clock hours from created to resolved, tickets resolved in the period",
           None, "sla", "tickets"),
    KpiDef("mttr_hours_median", "解决时长中位数（小时）", "Median time to resolve (hours)", "hours", "lower",
           "本期解决工单从创建到解决自然时长的中位数",
           "Median wall-clock hours from created to resolved, tickets resolved in the period",
           None, "sla", "tickets"),
    KpiDef("mttr_hours_p90", "解决时长90分位（小时）", "90th percentile time to resolve (hours)", "hours",
           "lower", "本期解决工单从创建到解决自然时长的90百分位数",
           "90th percentile of wall-clock hours from created to resolved, tickets resolved in the period",
           None, "sla", "tickets"),
    KpiDef("mttr_business_hours", "平均解决工时（服务时间，小时）", "Mean business time to resolve (hours)",
           "hours", "lower", "本期解决工单按服务日历扣除挂起时间后的平均解决时长",
           "Mean business hours from created to resolved minus pauses, tickets resolved in the period",
           None, "sla", "tickets"),
    KpiDef("fcr_rate", "一线解决率", "First-contact resolution rate", "ratio", "higher",
           "本期解决工单中由一线（L1）解决且未升级的比例",
           "Share of tickets resolved in the period at L1 without escalation",
           0.6, "quality", "tiers"),
    KpiDef("escalation_rate", "升级率", "Escalation rate", "ratio", "lower",
           "本期解决工单中发生升级的比例", "Share of tickets resolved in the period that were escalated",
           None, "quality", "tiers"),
    KpiDef("reopen_rate", "重开率", "Reopen rate", "ratio", "lower",
           "本期解决工单中被重新打开过的比例",
           "Share of tickets resolved in the period reopened at least once",
           0.05, "quality", "tickets"),
    KpiDef("problem_resolution_rate", "问题解决率", "Problem resolution rate", "ratio", "higher",
           "本期解决的问题数 /（期初未解决问题数 + 本期新增问题数）",
           "Problems resolved in the period / (problems open at period start + problems opened in it)",
           None, "quality", "tickets"),
    KpiDef("change_success_rate", "变更成功率", "Change success rate", "ratio", "higher",
           "本期关闭的变更中结果为成功的比例（不含取消的变更）",
           "Share of changes closed in the period (not cancelled) whose outcome was successful",
           0.95, "change", "change_outcomes"),
    KpiDef("emergency_change_ratio", "紧急变更占比", "Emergency change ratio", "ratio", "lower",
           "本期关闭的变更中紧急变更的比例",
           "Share of changes closed in the period that were emergency changes",
           0.1, "change", "change_types"),
    KpiDef("availability_pct", "服务可用率", "Service availability", "pct", "higher",
           "各有目标服务的 100 ×（1 − 本期非计划停机分钟数 / 本期分钟数）的平均值",
           "Mean over services with a target of 100 × (1 − unplanned outage minutes / period minutes)",
           99.9, "availability", "outages"),
    KpiDef("csat_avg", "客户满意度（平均分）", "Customer satisfaction (mean score)", "score", "higher",
           "本期回访评分（1–5分）的平均值", "Mean callback score (1–5) responded in the period",
           4.5, "satisfaction", "callbacks"),
    KpiDef("csat_satisfied_rate", "满意率", "Satisfied rate", "ratio", "higher",
           "本期回访评分中4分及以上的比例", "Share of callback scores of 4 or 5 responded in the period",
           0.9, "satisfaction", "callbacks"),
    KpiDef("callback_24h_rate", "24小时回访率", "Callback within 24 h", "ratio", "higher",
           "本期解决工单中在解决后24小时内完成回访的比例",
           "Share of tickets resolved in the period with a callback within 24 h of resolution",
           0.9, "satisfaction", "callbacks"),
    KpiDef("complaints", "客户投诉数", "Customer complaints", "count", "lower",
           "本期收到的客户投诉数（投诉登记）", "Complaints received in the period (complaint register)",
           None, "satisfaction", "complaints"),
    KpiDef("complaint_closure_rate", "投诉关闭率", "Complaint closure rate", "ratio", "higher",
           "本期收到的投诉中在期末前处理完毕并关闭的比例",
           "Share of the complaints received in the period that were closed by its end",
           None, "satisfaction", "complaints"),
    KpiDef("staff_utilisation", "人员利用率", "Staff utilisation", "ratio", "none",
           "本期工时登记（worklogs）合计 / 本期可用工时（人员容量 staff_capacity）合计；"
           "不含工单上记录的工时（effort_hours）",
           "Hours logged in worklogs / hours available in staff capacity, in the period; the effort "
           "recorded on tickets (effort_hours) is another source and not part of it",
           None, "workload", "staff"),
    KpiDef("report_on_time_rate", "报告按时提交率", "Reports approved on time", "ratio", "higher",
           "本期到期的报告中在截止日期前审批通过的比例",
           "Reports due in the period approved by their deadline / reports due",
           1.0, "report", "reports"),
)  # fmt: skip

CATALOGUE: dict[str, KpiDef] = {d.id: d for d in _DEFS}

HEADLINE: tuple[str, ...] = (
    "tickets_opened",
    "tickets_resolved",
    "backlog_end",
    "response_sla_rate",
    "resolution_sla_rate",
    "mttr_hours",
    "availability_pct",
    "csat_avg",
    "change_success_rate",
    "major_incidents",
)

# The ticket volumes the dashboard and the report chart together, in this order.
VOLUME_KPIS: tuple[str, ...] = ("tickets_opened", "tickets_resolved", "backlog_end")


def _check() -> None:
    for d in _DEFS:
        if d.unit not in UNITS or d.direction not in DIRECTIONS or d.group not in GROUPS:
            raise ValueError(f"KPI {d.id}: unit, direction or group is not one of the known values")
        if d.source not in SOURCES:
            raise ValueError(f"KPI {d.id}: source {d.source!r} is not one of {', '.join(SOURCES)}")
    if len(CATALOGUE) != len(_DEFS) or not set(HEADLINE) | set(VOLUME_KPIS) <= set(CATALOGUE):
        raise ValueError("KPI ids must be unique and the headline and volumes must name catalogue KPIs")


_check()
