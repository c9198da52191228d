"""The words real ledgers use for the columns, the statuses and the kinds of finding.

Each column, status and kind has its own label (the one the export writes) and the
other words units write for it, gathered from published 整改台账 and their templates.
A word that is not the label is "unusual": the preview says what it was read as.
"""

import re

from findings.models import FindingKind, Status

from .cells import compact
from .xlsx import COLUMNS, KIND_LABELS, STATUS_LABELS

HEADER_WORDS = {
    "number": ["编号", "序", "问题序号", "问题编号"],
    "area": ["问题领域", "方面", "板块"],
    # A ledger without a 问题方面 column groups its findings under one of these: then
    # the first of them is read as the area (reader.find_header).
    "category": ["问题类别", "问题类型", "分类", "类别", "问题分类名称"],
    "statement": ["问题清单", "存在问题", "问题描述", "巡察发现问题", "反馈问题", "问题名称",
                  "问题内容", "主要问题"],
    "detail": ["具体表现", "主要表现", "问题表现", "具体问题", "问题具体表现", "表现形式"],
    "measure": ["整改举措", "整改措施及目标", "整改目标及措施", "具体整改措施", "整改目标",
                "措施"],
    "leader": ["分管领导", "牵头领导", "责任领导", "包保领导"],
    "person": ["具体责任人", "整改责任人", "直接责任人", "责任人员"],
    "department": ["责任单位", "牵头部门", "责任科室", "责任股室", "牵头单位", "责任处室",
                   "承办部门"],
    "deadline": ["整改期限", "完成时限", "完成期限", "完成时间", "整改时间", "时限要求"],
    "kind": ["整改方式", "整改性质"],
    "status": ["整改进度", "完成状态", "整改状况", "进展情况", "推进情况"],
    "result": ["完成情况", "整改落实情况", "整改结果", "整改情况", "整改完成情况", "落实情况",
               "整改效果", "进展成效"],
}  # fmt: skip
# A header may carry a mark or an explanation: "*问题（必填）".
HEADER_NOISE_RE = re.compile(r"^[*＊※]+|[*＊※]+$|[（(][^）)]*[）)]$")

STATUS_WORDS = {
    Status.NOT_STARTED: ["未开始", "尚未启动", "未整改", "待整改", "未着手"],
    Status.IN_PROGRESS: ["正在推进", "持续推进", "推进中", "进行中", "正在整改", "整改推进中",
                         "未完成", "部分完成", "基本完成", "阶段性完成", "正在进行", "持续整改",
                         "整改中（持续推进）"],
    Status.SUBMITTED: ["已完成", "已整改", "完成", "整改完成", "已整改完成", "已办结", "办结",
                       "已完成整改", "已整改到位", "申请销号"],
    Status.SIGNED_OFF: ["已销号", "销号", "已验收"],
    Status.ONGOING: ["长期坚持", "阶段性销号", "已完成并长期坚持", "持续巩固"],
}  # fmt: skip
KIND_WORDS = {
    FindingKind.IMMEDIATE: ["立即整改", "即知即改", "立知立改", "马上就改"],
    FindingKind.DEADLINE: ["限时整改", "限期完成", "按期整改"],
    FindingKind.ONGOING: ["长期整改", "持续整改", "常态化整改"],
}
# Statuses an import may give a new finding: a sheet cannot sign anything off.
DONE_STATUSES = (Status.SUBMITTED, Status.ENDORSED, Status.SIGNED_OFF, Status.ONGOING)

SEPARATORS_RE = re.compile(r"[\s·•・.．,，、/]")


def _fold(text):
    return SEPARATORS_RE.sub("", compact(text))


def _table(labels, words):
    table = {}
    for value, label in labels.items():
        table[_fold(label)] = value
    for value, more in words.items():
        for word in more:
            table.setdefault(_fold(word), value)
    return table


HEADER_KEYS = _table(COLUMNS, HEADER_WORDS)
STATUS_KEYS = _table(STATUS_LABELS, STATUS_WORDS)
KIND_KEYS = _table(KIND_LABELS, KIND_WORDS)
LABEL_FOLDS = {_fold(label) for label in (*COLUMNS.values(), *STATUS_LABELS.values())} | {
    _fold(label) for label in KIND_LABELS.values()
}


def header_key(value):
    """The column key a header cell means, None if unknown (备注 and the like: the
    preview lists them as not read)."""
    text = HEADER_NOISE_RE.sub("", compact(value))
    return HEADER_KEYS.get(_fold(HEADER_NOISE_RE.sub("", text)))


def status_of(value):
    """(Status or None, whether the word is not the label); None for an unknown word."""
    text = _fold(value)
    return STATUS_KEYS.get(text), text not in LABEL_FOLDS


def kind_of(value):
    text = _fold(value)
    return KIND_KEYS.get(text), text not in LABEL_FOLDS


def is_unusual(value):
    return _fold(value) not in LABEL_FOLDS
