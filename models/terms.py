"""What counts as a term: a word. English: lower-cased words of 3+ letters, stop words left out, plurals folded
to the singular (dresses -> dress). Chinese: the words of jieba's segmentation that have 2+ Han characters,
stop words left out (single characters such as 的, 了, 很 are function words far more often than terms).

Segmentation uses rjieba, the Python binding of jieba-rs: the same dictionary and algorithm as `jieba`, about
15x faster on the demo's 17k Chinese reviews and the same Chinese words on every one of them
(tests/benchmarks/bench_segment.py measures both).

STOP_WORDS is the one list: topic discovery names its clusters with terms_of, the nightly run writes
review_terms with it, and the emerging-terms SQL (sql/insights/50_emerging_terms.sql) receives STOP_WORDS as a
parameter, so every place leaves out the same words."""

from __future__ import annotations

import re

import rjieba

_EN_STOP = """
a about above after again against all almost along already also although always am among an and another any
anyone anything are aren't around as at be because been before being below between both but by can can't cannot
could couldn't did didn't do does doesn't doing don't done down during each either else enough etc even ever
every everything few for from further get gets getting got had hadn't has hasn't have haven't having he her here
hers herself him himself his how however i i'd i'll i'm i've if in into is isn't it it's its itself just let lot
lots made make makes many may me might more most much must my myself no nor not now of off on once one ones only
or other others our ours ourselves out over own per perhaps quite rather really said same say see seem seems she
should shouldn't since so some something still such than that that's the their theirs them themselves then there
there's these they they'd they're thing things this those though through thus to too under until up upon us very
was wasn't way we we're we've well went were weren't what what's when where whether which while who whom whose why
will with within without won't would wouldn't yes yet you you'd you'll you're you've your yours yourself
also bit like just really going want wanted usually overall definitely actually pretty ordered order bought
""".split()
_ZH_STOP = """
我们 你们 他们 她们 它们 自己 大家 这个 那个 这些 那些 这种 那种 这样 那样 这么 那么 这里 那里 这次 一个 一些 一点
一下 一样 一直 一般 一次 没有 不是 就是 还是 但是 不过 因为 所以 而且 如果 虽然 可以 可能 已经 什么 怎么 为什么 还有
然后 觉得 感觉 知道 真的 非常 比较 特别 有点 有些 时候 东西 现在 以后 以前 之前 之后 的话 其实 应该 只是 而是 或者
不会 不能 起来 出来 本书 这本 这家 这款 这部 还是 就是说 不错 还好 一定 只有 只能 这是 就是 那就 而已 当然 比如
由于 对于 关于 以及 并且 还要 总之 所以说 有的 有人 是不是 不要 需要 其他 另外 同时 因此 于是 然而 甚至 确实
经常 很多 十分 总是 好像 似乎 稍微 有点儿 一起 每次 后来 最后 开始 只要 不管 无论
这件 那件 这双 这条 这套 这台 这位 这间 那家 那本 那款
""".split()
STOP_WORDS = frozenset(_EN_STOP) | frozenset(_ZH_STOP)

_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_KEEP_S = ("ss", "us", "is", "'s")          # dress, campus, this: not plurals


def fold_plural(word: str) -> str:
    """An English plural folded to its singular by spelling alone; other words unchanged.

    >>> [fold_plural(w) for w in ['dresses', 'berries', 'sleeves', 'boxes', 'dress', 'jeans', 'its']]
    ['dress', 'berry', 'sleeve', 'box', 'dress', 'jean', 'its']
    """
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_KEEP_S):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]
    return word[:-1]


def english_terms(text: str) -> list[str]:
    """English words of 3+ letters in order, lower-cased, stop words left out, plurals folded.

    >>> english_terms("The sleeves run small, it's NOT true to size!")
    ['sleeve', 'run', 'small', 'true', 'size']
    """
    words = _EN_WORD.findall(text.lower().replace("\u2019", "'"))
    words = [w.removesuffix("'s") for w in words if w not in STOP_WORDS]
    return [fold_plural(w) for w in words if len(w) >= 3 and w not in STOP_WORDS]


def segment(text: str) -> list[str]:
    """jieba's precise-mode segmentation (HMM on for words not in the dictionary), punctuation included.

    >>> segment('物流很快，质量很好')
    ['物流', '很快', '，', '质量', '很', '好']
    """
    return rjieba.cut(text, hmm=True)


def chinese_terms(text: str) -> list[str]:
    """Chinese words of 2+ Han characters in order, stop words left out.

    >>> chinese_terms('这个尺码偏小，穿着不舒服，但是面料很好')
    ['尺码', '偏小', '穿着', '舒服', '面料']
    """
    if not _HAN_WORD.search(text):
        return []
    return [w for w in segment(text) if _HAN_WORD.fullmatch(w) and w not in STOP_WORDS]


def terms_of(text: str) -> set[str]:
    """The distinct terms of a review, in either script.

    >>> sorted(terms_of('物流很快'))
    ['很快', '物流']
    >>> sorted(terms_of('This fabric is really lovely, the colors too'))
    ['color', 'fabric', 'lovely']
    """
    return set(english_terms(text)) | set(chinese_terms(text))
