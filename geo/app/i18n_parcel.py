"""UI strings of the parcel card: edits, history, contract, idle case (merged into ``STRINGS``).

Kept apart so that :mod:`geo.app.i18n` stays readable; the same rules hold
(both languages, no CJK characters in English, ``{name}`` placeholders).
"""

from __future__ import annotations

PARCEL_STRINGS: dict[str, tuple[str, str]] = {
    # --- editing a parcel (planner) and the audit history ---------------------------
    "edit_title": ("修改地块状态", "Change the parcel's status"),
    "edit_status": ("新状态", "New status"),
    "edit_on": ("变更日期", "Date of the change"),
    "edit_note": ("备注（如批复文号）", "Note (e.g. the decision's reference)"),
    "edit_save": ("保存", "Save"),
    "edit_none": (
        "当前状态没有可直接变更的下一状态。",
        "The current status has no next status to change to.",
    ),
    "edit_demo_copy": (
        "当前是演示工作空间：保存将写入它的工作副本，演示数据保持不变。",
        "This is a demo workspace: saving writes into a working copy and the demo data stay "
        "unchanged.",
    ),
    "edit_in_working_copy": (
        "编辑保存在工作副本 {name}（演示数据保持不变）。",
        "Edits are saved in the working copy {name} (the demo data stay unchanged).",
    ),
    "working_copy_caption": (
        "编辑保存在工作副本 {name}，演示工作空间 {demo} 保持不变；"
        "关闭页面（会话结束）后副本即删除。",
        "Edits are saved in the working copy {name}; the demo workspace {demo} stays unchanged. "
        "The copy is deleted when you close the page (the session ends).",
    ),
    "edit_saved": (
        "已保存：地块 {id} 的状态改为“{status}”（{on}），版本 {version}。",
        "Saved: parcel {id} is now {status} (since {on}), version {version}.",
    ),
    "edit_unchanged": ("没有需要保存的变更。", "Nothing to save: no field changed."),
    "edit_conflict": (
        "未保存：地块 {id} 在您打开后已被 {who} 于 {at} 修改（{changes}）。"
        "您的修改（{mine}）没有写入，对方的修改也没有丢失。请重新载入，核对后再保存。",
        "Not saved: parcel {id} was changed by {who} at {at} after you opened it ({changes}). "
        "Your change ({mine}) was not written and theirs is kept. Reload, compare and save "
        "again.",
    ),
    "edit_conflict_unknown": ("其他编辑者", "another editor"),
    "edit_reload": ("重新载入地块", "Reload the parcel"),
    "edit_date_before": (
        "未保存：日期 {on} 早于当前状态的起始日期 {since}，请填写更晚的日期。",
        "Not saved: the date {on} is before the current status_since {since}; give a later date.",
    ),
    "edit_date_future": (
        "未保存：日期 {on} 在未来，请在状态实际变更后再记录。",
        "Not saved: the date {on} is in the future; record a change once it has happened.",
    ),
    "edit_not_allowed": (
        "未保存：地块不能从“{old}”直接变为“{new}”；可变更为：{allowed}。",
        "Not saved: a parcel cannot go from {old} to {new}; it can go to {allowed}.",
    ),
    "edit_invalid": ("未保存：{error}", "Not saved: {error}"),
    "edit_busy": (
        "未保存：工作空间正被其他编辑占用，请稍后再试。（{error}）",
        "Not saved: another edit is holding the workspace; try again in a moment. ({error})",
    ),
    "edit_role": ("无权修改：{error}", "Not allowed: {error}"),
    "edit_disk_full": (
        "未保存：{mount} 所在磁盘已满（剩余 {free}），修改没有写入，工作空间文件保持原样。"
        "请清理 {mount} 上的空间（删除或移走文件）后再保存。",
        "Not saved: the disk holding {mount} is full ({free} free); the change was not "
        "written and the workspace file is unchanged. Free space on {mount} (delete or move "
        "files there) and save again.",
    ),
    "edit_read_only": (
        "未保存：工作空间 {path} 位于只读位置（{mount}），可以查看但不能修改，文件保持原样。"
        "请把它复制到可写的文件夹，再打开副本进行修改。",
        "Not saved: the workspace {path} is in a read-only place ({mount}): it can be viewed "
        "but not changed, and the file is unchanged. Copy it to a writable folder and open "
        "the copy to edit it.",
    ),
    # --- parcel card: supply contract and idle-land case -----------------------------
    "supply_contract": ("供地合同", "Supply contract"),
    "supply_contract_none": (
        "此地块没有登记供地合同。",
        "No supply contract recorded for this parcel.",
    ),
    "supply_contract_edit": ("录入或修改供地合同", "Add or edit a supply contract"),
    "supply_contract_pick": ("合同", "Contract"),
    "supply_contract_new": ("新合同", "New contract"),
    "supply_contract_saved": ("已保存供地合同 {id}。", "Supply contract {id} saved."),
    "idle_case": ("闲置土地处置", "Idle-land case"),
    "idle_case_none": (
        "此地块不是闲置土地，也没有闲置土地处置案件。",
        "This parcel is not idle land and has no idle-land case.",
    ),
    "idle_basis": (
        "依据《闲置土地处置办法》（国土资源部令第53号）第二条（认定）、第八条（政府原因、不可抗力期间不计）、"
        "第十四条（满一年征缴出让或划拨价款20%的土地闲置费，满两年无偿收回）。",
        "Under the Measures on the Disposal of Idle Land (MLR Order No. 53): art. 2 (definition), "
        "art. 8 (periods caused by the government or force majeure are not counted), art. 14 "
        "(one full year: a fee of 20% of the price; two full years: recovery without "
        "compensation).",
    ),
    "idle_days_net": ("净闲置天数", "Idle days (net)"),
    "idle_fee_due": ("应缴闲置费(万元)", "Idle-land fee due (10k yuan)"),
    "idle_recovery_due": ("满两年可无偿收回", "Recovery due (two years)"),
    "idle_exempt_days": (
        "其中 {days} 天因政府原因或不可抗力不计。",
        "{days} day(s) not counted (government cause or force majeure).",
    ),
    "idle_next": ("下一步：{step}，期限 {due}。", "Next step: {step}, due {due}."),
    "idle_next_overdue": (
        "下一步：{step}，期限 {due}，已逾期。",
        "Next step: {step}, due {due}: overdue.",
    ),
    "idle_ongoing": ("持续中", "ongoing"),
    "idle_found_on": ("立案调查日期", "Investigation opened on"),
    "idle_open": ("立案调查", "Open an idle-land case"),
    "idle_step_on": ("办理日期", "Date of the step"),
    "idle_step_to": ("办理：{step}", "Record: {step}"),
    "idle_saved": ("已保存 {id} 的处置记录。", "Idle-land record of {id} saved."),
    "idle_exempt_title": ("登记不计期间（第八条）", "Record a period not counted (art. 8)"),
    "idle_exempt_save": ("保存不计期间", "Save the period"),
    "idle_exempt_end_on": ("{id} 结束日期", "Last day of {id}"),
    "idle_exempt_end": ("结束该期间", "End the period"),
    "history_title": ("修改记录", "Change history"),
    "history_empty": ("此地块还没有修改记录。", "No changes recorded for this parcel yet."),
    "hist_at": ("时间（{tz}）", "When ({tz})"),
    "hist_change": ("原值 → 新值", "Before → after"),
    "hist_who": ("修改人", "Who"),
    "hist_field": ("字段", "Field"),
    "hist_before": ("原值", "Before"),
    "hist_after": ("新值", "After"),
    "hist_version": ("版本", "Version"),
    "hist_note": ("备注", "Note"),
    "login_title": ("请登录", "Please log in"),
    "login_intro": (
        "腾笼平台需要登录。登录后按您的单位和角色显示内容。",
        "Tenglong needs a login; what you see depends on your organisation and role.",
    ),
    "login_button": ("登录", "Log in"),
    "logout_button": ("退出登录", "Log out"),
    "login_no_role": ("登录成功，但没有分配角色：{error}", "Logged in, but no role: {error}"),
    "logged_in_as": ("当前用户：{user}（{role}）", "Logged in as {user} ({role})"),
}
