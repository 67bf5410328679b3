"""Generate a corpus of long Japanese tech-media posts for the search benchmark.

    python manage.py generate_corpus 10000 [--seed 42] [--batch 2000]
    python manage.py generate_corpus 10000 --reuse    # keep the corpus if the DB already has it
    python manage.py generate_corpus 10000 --status   # prints ready / empty / other

Posts are published, 2,000-6,000 characters of Japanese with Latin product names (OpenAI, GPU,
Django...), built from vocabularies whose word frequencies follow a Zipf-like spread (the word of
rank r is drawn with weight 1/r). They are inserted with bulk_create, which skips Post.save(), so
the derived fields are filled here (body_html from the plain paragraphs, summary, reading time)
and rebuild_search_index() is called once at the end.

Planted terms (BENCH_TERMS): for each query length (1, 2, 3 and 5 characters, and mixed Latin +
Japanese) one term in 3 posts ("rare"), one in 1 % of posts and one in 90 % of posts. The rare and
1 % terms are strings that occur nowhere else (rare kanji such as 鱗, 麒麟, 蒟蒻芋, or a Latin name
no vocabulary word has); the 90 % terms are ordinary words (円, 開発, データ, エンジニア, GPUサーバー)
kept out of the random vocabulary and planted in chosen posts. Generated sentences that contain a
planted term by accident (two words meeting, "公開" + "発表" → "開発") are dropped, and the planted
counts are checked against a substring count of every generated post, so the expected document
frequencies written to var/bench-corpus-N.json are exact.

Everything is deterministic for a given (n, seed) except the publication dates, which end an hour
before now. Tests can call generate(n, seed) directly.
"""

import json
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape

from blog.models import Author, Category, Post, PostAuthor, PostCategory, Tag, TaggedPost
from blog.text import summarize

MIN_CHARS, MAX_CHARS = 2000, 6000
RARE_POSTS = 3  # "rare": found in 1-5 posts
AUTHOR_NAME = "ベンチマーク編集部"
CATEGORY_NAMES = ["AI", "クラウド", "半導体", "ソフトウェア", "ビジネス", "セキュリティ"]
TAG_NAMES = [
    "機械学習",
    "生成AI",
    "オープンソース",
    "スタートアップ",
    "規制",
    "Python",
    "Rust",
    "論考",
]

# (length class, frequency class, term). Frequency classes: "rare" = RARE_POSTS posts,
# "1%" = 1 % of the posts (at least one), "90%" = 90 % of them.
BENCH_TERMS = [
    ("1", "rare", "鱗"),
    ("1", "1%", "鰻"),
    ("1", "90%", "円"),
    ("2", "rare", "麒麟"),
    ("2", "1%", "檸檬"),
    ("2", "90%", "開発"),
    ("3", "rare", "蒟蒻芋"),
    ("3", "1%", "鸚鵡貝"),
    ("3", "90%", "データ"),
    ("5", "rare", "鶺鴒の尾羽"),
    ("5", "1%", "瑠璃色の翅"),
    ("5", "90%", "エンジニア"),
    ("mixed", "rare", "Mojo言語"),
    ("mixed", "1%", "AIインフラ"),
    ("mixed", "90%", "GPUサーバー"),
]

# How a planted term enters a post: a sentence of its own. {t} is the term, {k} a number,
# {L} a Latin product name.
PLANT_GENERIC = [
    "{t}という言葉を、取材の中で何度も耳にした。",
    "{t}をめぐる議論は、まだ始まったばかりだ。",
    "担当者は「{t}の話は避けて通れない」と話す。",
    "意外なことに、{t}が話題に上る場面もあった。",
    "{t}に触れた資料は、社内でも限られている。",
    "そこで浮かび上がるのが{t}である。",
]
PLANT_COMMON = {
    "円": [
        "導入費用は月額{k}万円程度とされる。",
        "価格は{k}万円前後に設定された。",
        "投資額は{k}億円規模にのぼる。",
    ],
    "開発": [
        "{L}の開発チームは、次の版での改善を約束している。",
        "開発の現場では、慎重な見方も根強い。",
    ],
    "データ": [
        "公開されたデータを見る限り、その傾向ははっきりしている。",
        "データの扱いについては、まだ議論が残る。",
    ],
    "エンジニア": [
        "現場のエンジニアからは、慎重な声も聞こえてくる。",
        "あるエンジニアは「まず測ることだ」と言う。",
    ],
    "GPUサーバー": [
        "GPUサーバーの調達は、依然として大きな課題だ。",
        "同社はGPUサーバーを{k}千台規模で増強した。",
    ],
}

# Vocabularies. None of these may contain a planted term (checked by _check_vocabulary).
KANJI = """
技術 企業 市場 製品 投資 規制 研究 性能 効率 課題 戦略 競争 需要 供給 価格 収益 成長 利用者
顧客 業界 分野 基盤 環境 設計 運用 導入 検証 評価 分析 予測 推論 学習 計算 処理 演算 電力
消費 冷却 半導体 工場 生産 調達 在庫 物流 通信 回線 帯域 遅延 障害 復旧 監視 安全 暗号 認証
権限 脆弱性 攻撃 防御 個人情報 著作権 法律 政府 当局 議会 国際 標準 規格 互換性 移行 刷新
統合 分散 集中 自動化 効率化 最適化 省力化 可視化 高速化 大規模 小型化 実装 仕様 要件 品質
試験 保守 更新 改善 改修 機能 構成 部品 素材 装置 端末 機器 家電 自動車 電池 充電 医療 教育
金融 保険 小売 製造 農業 行政 自治体 地域 都市 人材 採用 雇用 働き方 組織 経営 幹部 株主
決算 売上 利益 赤字 黒字 予算 資金 調査 報告 発表 会見 声明 合意 提携 買収 合併 撤退 参入
普及 浸透 変化 転換 革新 挑戦 失敗 成功 経験 知見 文化 社会 生活 未来 将来 現状 背景 理由
結果 影響 効果 問題 懸念 期待 不安 議論 批判 支持 反発 選択 判断 決定 方針 計画 目標 段階
過程 手法 方法 仕組み 枠組み 概念 理論 原理 実験 試作 量産 出荷 販売 契約 料金 負担 費用
速度 容量 精度 信頼性 柔軟性 拡張性 透明性 持続性 国内 海外 欧州 米国 中国 日本 世界 業務
現場 経済 産業 研究者 専門家 利用 活用 応用 提供 展開 公開 言語 文書 検索 翻訳 要約 画像
音声 動画 生成 対話 知能 意思決定 自律 協調 倫理 責任 説明 公平性 偏り 誤り 幻覚 安全性
検閲 表現 創作 著者 読者 編集 記事 出版 放送 広告 収入 寡占 独占 再編 分業 外注 内製 内部
外部 上流 下流 周辺 中核 主力 新興 老舗 大手 中堅 後発 先行 優位 劣勢 格差 均衡 余力 余地
限界 上限 下限 水準 基準 指標 単位 規模 範囲 領域 境界 前提 条件 制約 代償 対価 報酬 動機
"""
KATAKANA = """
クラウド サーバー ソフトウェア ハードウェア プラットフォーム アプリ サービス ユーザー プロダクト
セキュリティ ネットワーク インフラ アーキテクチャ モデル エコシステム スタートアップ ベンチャー
チップ メモリ ストレージ コンテナ パイプライン ワークロード アルゴリズム インターフェース
プログラム コード ライブラリ フレームワーク オープンソース コミュニティ ライセンス ガバナンス
コンプライアンス プライバシー リスク コスト スケール パフォーマンス ベンチマーク レイテンシ
スループット トレーニング ファインチューニング エージェント チャットボット ロボット センサー
ドローン デバイス スマートフォン タブレット ディスプレイ バッテリー エネルギー マーケット
ビジネス パートナー ベンダー サプライチェーン イノベーション トレンド ロードマップ リリース
アップデート バージョン テスト デプロイ モニタリング ログ キャッシュ クエリ インデックス
トランザクション ブラウザ ウェブ サイト コンテンツ メディア ニュース プロンプト トークン
パラメータ ユースケース ソリューション エンタープライズ オンプレミス ハイブリッド レガシー
マイクロサービス シミュレーション アノテーション マルチモーダル コンピューティング
"""
LATIN = """
OpenAI GPU CPU NPU Django Python Rust Kubernetes Docker PostgreSQL SQLite MySQL Redis Linux
Windows macOS iPhone Android Google Microsoft Apple Amazon AWS Azure Meta NVIDIA AMD Intel Arm
TSMC Samsung Sony LLM API SDK SaaS ChatGPT Claude Gemini Llama CUDA PyTorch TensorFlow GitHub
Transformer RAG AI IoT 5G HBM DRAM SSD WebAssembly TypeScript JavaScript Node.js React Swift
"""
PREDICATES = """
を加速させている を大きく変えつつある を支えている を押し上げた を見直す必要がある を後押しする
に依存している を前提としている を左右する に直結する を置き換えつつある を再定義しようとしている
を狙っている を優先した を抱えている を強化した を縮小した を明らかにした を検討している
を急いでいる を模索している に追いついていない に遅れを取っている と競合する と連携する
を重視する を軽視してきた を取り込もうとしている に頼らざるを得ない を手放せない を試している
に賭けている を持て余している を見落としてきた に向き合っている を問い直している を測りかねている
"""
ASSESSMENTS = """
大きい 無視できない 限定的だ 想像以上だった まだ見通せない 決して小さくない 明らかだ 一筋縄ではいかない
過小評価されている 変わりつつある 予断を許さない 楽観できない 思ったほど単純ではない 注目に値する
避けられない 議論の余地がある 時間の問題だ 意外なほど大きい 依然として不透明だ
"""
CONNECTIVES = """
しかし 一方で さらに 実際 つまり とはいえ その結果 例えば もっとも ただし 加えて 結局のところ
言い換えれば 裏を返せば それでも 逆に 同時に 当然ながら 皮肉なことに 少なくとも
"""
SPEAKERS = """
同社の担当者 ある研究者 業界アナリスト 元幹部 現場の責任者 大学の教授 取材に応じた技術者
投資家の一人 関係者 ある経営者 規制当局の幹部 利用者の一人
"""
SENTENCES = [
    "{N}は{N}{P}。",
    "{C}、{N}が{N}{P}。",
    "{N}の{N}は{A}。",
    "「{N}は{N}{P}」と{S}は語る。",
    "{L}の{N}は、{N}{P}。",
    "{C}、{L}と{L}の{N}は{A}。",
    "{N}をめぐる{N}は、{N}{P}。",
    "{N}にとって、{N}は{A}。",
    "{S}によれば、{N}の{N}は{A}という。",
    "{N}と{N}の関係は、{A}。",
    "なぜ{N}は{N}{P}のか。",
    "{C}、{L}は{N}{P}。",
    "{Y}年には、{N}の{N}が{D}割に達した。",
    "{N}の{N}は前年より{D}%増えた。",
    "{C}、{N}の{N}を{L}に任せる動きも出ている。",
    "{S}は「{N}の{N}が{A}」と指摘する。",
    "{N}を{N}と呼ぶべきかどうかは、{A}。",
    "{L}や{L}を使った{N}は、{N}{P}。",
]
TITLES = [
    "{L}が変える{N}の未来",
    "{N}と{N}：{L}の{N}を読み解く",
    "なぜ{N}は{N}{P}のか",
    "{L}時代の{N}戦略",
    "{N}の現場から見た{L}",
    "{N}はどこへ向かうのか：{L}と{N}",
    "{L}の{N}を検証する",
]
HEADINGS = ["{N}の{N}", "なぜ{N}なのか", "{L}が示す{N}", "これからの{N}", "{N}と{N}のあいだ"]
EXCERPTS = ["{N}の{N}をめぐる{L}の取り組みを追った。", "{L}と{N}の関係から、{N}の行方を考える。"]


@dataclass
class PlantedTerm:
    length: str
    frequency: str
    term: str
    posts: list[int] = field(repr=False)  # indices (0..n-1) of the posts that carry it

    @property
    def expected(self) -> int:
        return len(self.posts)


@dataclass
class CorpusResult:
    n: int
    seed: int
    terms: list[PlantedTerm]
    post_ids: list[int]
    slugs: list[str] = field(repr=False)
    seconds: float = 0.0
    index_seconds: float = 0.0

    def manifest(self) -> dict:
        return manifest(self.n, self.seed, self.terms)


def planned_count(frequency: str, n: int) -> int:
    if frequency == "rare":
        return min(n, RARE_POSTS)
    if frequency == "1%":
        return min(n, max(1, round(n * 0.01)))
    return min(n, max(1, round(n * 0.9)))


def plan(n: int, seed: int = 42) -> list[PlantedTerm]:
    """Which posts carry which planted term: a pure function of (n, seed)."""
    rng = random.Random(f"generate_corpus-plan-{seed}")  # noqa: S311 (test data, not secrets)
    return [
        PlantedTerm(
            length, frequency, term, sorted(rng.sample(range(n), planned_count(frequency, n)))
        )
        for length, frequency, term in BENCH_TERMS
    ]


def slug_for(seed: int, i: int) -> str:
    return f"bench-s{seed}-{i:06d}"


def manifest(n: int, seed: int, terms: list[PlantedTerm]) -> dict:
    return {
        "n": n,
        "seed": seed,
        "note": "expected = posts whose title, excerpt or body contains the term (exact count)",
        "terms": [
            {
                "length": t.length,
                "frequency": t.frequency,
                "term": t.term,
                "expected": t.expected,
                **({"posts": [slug_for(seed, i) for i in t.posts]} if t.expected <= 5 else {}),
            }
            for t in terms
        ],
    }


def _words(block: str) -> list[str]:
    return block.split()


def _check_vocabulary() -> None:
    words = [
        *_words(KANJI),
        *_words(KATAKANA),
        *_words(LATIN),
        *_words(PREDICATES),
        *_words(ASSESSMENTS),
        *_words(CONNECTIVES),
        *_words(SPEAKERS),
        *SENTENCES,
        *TITLES,
        *HEADINGS,
        *EXCERPTS,
        *PLANT_GENERIC,
        *CATEGORY_NAMES,
        *TAG_NAMES,
        AUTHOR_NAME,
    ]
    for _, _, term in BENCH_TERMS:
        folded = term.casefold()
        clash = [w for w in words if folded in w.casefold()]
        if clash:
            raise ValueError(f"planted term {term!r} occurs in the vocabulary: {clash[:5]}")


class _Vocabulary:
    """Zipf-weighted draws: the word of rank r (in a seed-shuffled order) has weight 1/r."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        kanji, katakana = _words(KANJI), _words(KATAKANA)
        nouns = kanji + katakana
        rng.shuffle(nouns)
        self.nouns = self._zipf(nouns)
        self.kanji = self._zipf(rng.sample(kanji, len(kanji)))
        self.latin = self._zipf(rng.sample(_words(LATIN), len(_words(LATIN))))
        self.predicates = self._zipf(rng.sample(_words(PREDICATES), len(_words(PREDICATES))))
        self.assessments = self._zipf(_words(ASSESSMENTS))
        self.connectives = self._zipf(_words(CONNECTIVES))
        self.speakers = self._zipf(_words(SPEAKERS))

    @staticmethod
    def _zipf(words: list[str]) -> tuple[list[str], list[float]]:
        total, cumulative = 0.0, []
        for rank in range(1, len(words) + 1):
            total += 1.0 / rank
            cumulative.append(total)
        return words, cumulative

    def pick(self, table) -> str:
        words, cumulative = table
        return self.rng.choices(words, cum_weights=cumulative)[0]

    def noun(self) -> str:
        roll = self.rng.random()
        if roll < 0.2:  # a kanji compound: 市場 + 調査 → 市場調査
            first, second = self.pick(self.kanji), self.pick(self.kanji)
            return first + second if first != second else first
        if roll < 0.3:
            return self.pick(self.latin) + "の" + self.pick(self.nouns)
        return self.pick(self.nouns)

    def fill(self, template: str) -> str:
        rng = self.rng
        out, i = [], 0
        while i < len(template):
            if template[i] == "{":
                key = template[i + 1]
                i += 3
                if key == "N":
                    out.append(self.noun())
                elif key == "L":
                    out.append(self.pick(self.latin))
                elif key == "P":
                    out.append(self.pick(self.predicates))
                elif key == "A":
                    out.append(self.pick(self.assessments))
                elif key == "C":
                    out.append(self.pick(self.connectives))
                elif key == "S":
                    out.append(self.pick(self.speakers))
                elif key == "Y":
                    out.append(str(rng.randint(2015, 2026)))
                elif key == "D":
                    out.append(str(rng.randint(1, 9)))
                elif key == "k":
                    out.append(str(rng.randint(2, 90)))
                else:
                    raise ValueError(f"unknown slot {{{key}}} in {template!r}")
            else:
                out.append(template[i])
                i += 1
        return "".join(out)


class _Writer:
    """Builds posts from a pool of generated sentences free of every planted term."""

    def __init__(self, n: int, seed: int):
        _check_vocabulary()
        self.rng = random.Random(f"generate_corpus-text-{seed}")  # noqa: S311 (test data)
        self.vocab = _Vocabulary(self.rng)
        self.folded_terms = [term.casefold() for _, _, term in BENCH_TERMS]
        pool_size = min(20000, 1000 + 40 * n)
        self.sentences = self._pool(SENTENCES, pool_size)
        self.titles = self._pool(TITLES, min(5000, 200 + 5 * n))
        self.headings = self._pool(HEADINGS, 500)
        self.excerpts = self._pool(EXCERPTS, min(5000, 200 + 5 * n))

    def _clean(self, text: str) -> bool:
        folded = text.casefold()
        return not any(term in folded for term in self.folded_terms)

    def _pool(self, templates: list[str], size: int) -> list[str]:
        pool, seen = [], set()
        for _ in range(size * 2):
            text = self.vocab.fill(self.rng.choice(templates))
            if text not in seen and self._clean(text):
                seen.add(text)
                pool.append(text)
                if len(pool) == size:
                    break
        return pool

    def plant(self, term: str) -> str:
        templates = PLANT_COMMON.get(term, PLANT_GENERIC)
        return self.vocab.fill(self.rng.choice(templates).replace("{t}", term))

    def post(self, planted: list[str]) -> tuple[str, str, str, str]:
        """(title, excerpt, Markdown body, body HTML) of about MIN_CHARS-MAX_CHARS characters."""
        rng = self.rng
        target = rng.randint(MIN_CHARS, MAX_CHARS - 300)  # the last paragraph runs over
        sentences = rng.sample(self.sentences, min(len(self.sentences), target // 20 + 40))
        paragraphs: list[list[str]] = []
        headings: dict[int, str] = {}  # paragraph index → heading before it
        used, length, next_heading = 0, 0, rng.randint(1, 3)
        while length < target and used < len(sentences):
            if len(paragraphs) == next_heading:  # a section every 2-5 paragraphs
                headings[next_heading] = rng.choice(self.headings)
                next_heading += rng.randint(2, 5)
            size = rng.randint(3, 6)
            paragraph = sentences[used : used + size]
            used += size
            length += sum(map(len, paragraph))
            paragraphs.append(paragraph)
        for term in planted:
            paragraph = rng.choice(paragraphs)
            paragraph.insert(rng.randint(0, len(paragraph)), self.plant(term))
        md, html = [], []
        for i, paragraph in enumerate(paragraphs):
            if i in headings:
                md.append("## " + headings[i])
                html.append(f"<h2>{escape(headings[i])}</h2>")
            text = "".join(paragraph)
            md.append(text)
            html.append(f"<p>{escape(text)}</p>")
        return (
            rng.choice(self.titles),
            rng.choice(self.excerpts),
            "\n\n".join(md) + "\n",
            "\n".join(html),
        )


def _links():
    author = Author.objects.get_or_create(name=AUTHOR_NAME)[0]
    categories = [Category.objects.get_or_create(name=name)[0] for name in CATEGORY_NAMES]
    tags = []
    for name in TAG_NAMES:
        tag = Tag.objects.filter(name__iexact=name).first()
        tags.append(tag or Tag.objects.create(name=name))
    return author, categories, tags


def corpus_status(n: int, seed: int = 42) -> str:
    """ "ready" (the DB holds this corpus), "empty" (no posts) or "other"."""
    count = Post.objects.count()
    if count == 0:
        return "empty"
    ends = Post.objects.filter(slug__in=[slug_for(seed, 0), slug_for(seed, n - 1)]).count()
    return "ready" if count == n and ends == 2 else "other"


def generate(
    n: int, seed: int = 42, *, batch: int = 2000, rebuild_index: bool = True, progress=None
) -> CorpusResult:
    """Create n published posts (bulk inserts), their author, category and tag links, then
    rebuild the search index once (bulk_create skips Post.save(), which fills it)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    started = time.perf_counter()
    terms = plan(n, seed)
    by_post: dict[int, list[str]] = {}
    for planted in terms:
        for i in planted.posts:
            by_post.setdefault(i, []).append(planted.term)
    writer = _Writer(n, seed)
    rng = writer.rng
    author, categories, tags = _links()
    category_weights = [1.0 / r for r in range(1, len(categories) + 1)]
    now = timezone.now()
    span = timedelta(days=3650)
    folded_terms = [(planted.term.casefold(), planted) for planted in terms]
    found = {planted.term: 0 for planted in terms}
    post_ids, slugs = [], []

    for start in range(0, n, batch):
        posts = []
        for i in range(start, min(n, start + batch)):
            title, excerpt, body, body_html = writer.post(by_post.get(i, []))
            folded = f"{title}\n{excerpt}\n{body}".casefold()
            for term, planted in folded_terms:
                if term in folded:
                    found[planted.term] += 1
            # Newer posts have higher ids, as on a real site; dates end an hour ago.
            age = span * ((n - 1 - i) / max(1, n)) + timedelta(minutes=60 + rng.randint(0, 50))
            posts.append(
                Post(
                    title=title,
                    slug=slug_for(seed, i),
                    excerpt=excerpt,
                    body=body,
                    body_html=body_html,
                    summary=summarize(excerpt),
                    reading_time=max(1, round(len(body) / 500)),
                    status=Post.Status.PUBLISHED,
                    published_at=now - age,
                )
            )
        with transaction.atomic():
            created = Post.objects.bulk_create(posts)
            if any(post.pk is None for post in created):  # backends without RETURNING
                ids = dict(
                    Post.objects.filter(slug__in=[p.slug for p in created]).values_list(
                        "slug", "pk"
                    )
                )
                for post in created:
                    post.pk = ids[post.slug]
            PostAuthor.objects.bulk_create(PostAuthor(post=p, author=author) for p in created)
            PostCategory.objects.bulk_create(
                PostCategory(post=p, category=rng.choices(categories, category_weights)[0])
                for p in created
            )
            TaggedPost.objects.bulk_create(
                TaggedPost(content_object=p, tag=tag)
                for p in created
                for tag in rng.sample(tags, rng.randint(0, 3))
            )
        post_ids.extend(p.pk for p in created)
        slugs.extend(p.slug for p in created)
        if progress:
            progress(len(post_ids), n, time.perf_counter() - started)

    wrong = {p.term: (p.expected, found[p.term]) for p in terms if found[p.term] != p.expected}
    if wrong:  # a planted term leaked into the vocabulary or a template: a bug here
        raise RuntimeError(f"planted terms do not have their planned frequency: {wrong}")
    result = CorpusResult(n, seed, terms, post_ids, slugs, time.perf_counter() - started)
    if rebuild_index:
        from blog.search import rebuild_search_index  # the engine: imported late

        index_started = time.perf_counter()
        rebuild_search_index()
        result.index_seconds = time.perf_counter() - index_started
        analyze()
    return result


def analyze() -> None:
    """Planner statistics for the new rows: a live site has them (autovacuum), and without
    them PostgreSQL's first plans over a bulk-loaded table can be very slow."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")  # sampled: seconds, not minutes
        cursor.execute("ANALYZE")


def default_manifest_path(n: int) -> Path:
    """One manifest per corpus size, so corpora of several sizes can be kept side by side."""
    return Path(settings.BASE_DIR) / "var" / f"bench-corpus-{n}.json"


def write_manifest(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


class Command(BaseCommand):
    help = (
        "Generate N published Japanese posts for the search benchmark (bulk inserts, then one "
        "rebuild of the search index) and write the planted terms to var/bench-corpus-N.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, help="how many posts")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--batch", type=int, default=2000, help="posts per bulk insert")
        parser.add_argument(
            "--output", type=Path, default=None, help="default var/bench-corpus-N.json"
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="if the database already holds this corpus (same N and seed), only write the "
            "terms file",
        )
        parser.add_argument(
            "--reindex", action="store_true", help="with --reuse: rebuild the search index too"
        )
        parser.add_argument(
            "--replace", action="store_true", help="delete every existing post first"
        )
        parser.add_argument(
            "--status", action="store_true", help="print ready, empty or other, and stop"
        )

    def handle(self, *args, n, seed, batch, output, reuse, reindex, replace, status, **options):
        if n < 1:
            raise CommandError("N must be at least 1.")
        output = output or default_manifest_path(n)
        state = corpus_status(n, seed)
        if status:
            self.stdout.write(state)
            return
        if reuse and state == "ready":
            write_manifest(output, manifest(n, seed, plan(n, seed)))
            self.stdout.write(f"The database already holds this corpus ({n:,} posts, seed {seed}).")
            if reindex:
                self._rebuild()
            analyze()
            self.stdout.write(f"Planted terms written to {output}.")
            return
        if state != "empty":
            if not replace:
                raise CommandError(
                    f"The database already has {Post.objects.count():,} posts. Use a separate "
                    "database (DATABASE_URL=sqlite:///var/bench.sqlite3) or --replace to delete "
                    "them all first."
                )
            self.stdout.write("Deleting the existing posts (--replace)...")
            Post.objects.all().delete()

        def progress(done, total, seconds):
            self.stdout.write(f"  {done:>9,} / {total:,} posts inserted ({seconds:.1f} s)")

        self.stdout.write(f"Generating {n:,} posts (seed {seed}, batches of {batch:,})...")
        result = generate(n, seed, batch=batch, rebuild_index=False, progress=progress)
        self.stdout.write(
            "Posts were inserted with bulk_create, which skips Post.save(): rebuilding the "
            "search index once with rebuild_search_index()..."
        )
        self._rebuild()
        analyze()
        write_manifest(output, result.manifest())
        self.stdout.write(self.style.SUCCESS(f"{n:,} posts in {result.seconds:.1f} s."))
        self.stdout.write(f"Planted terms written to {output}:")
        for t in result.terms:
            self.stdout.write(f"  {t.length:<5} {t.frequency:<4} {t.expected:>7,}  {t.term}")

    def _rebuild(self):
        from blog.search import rebuild_search_index  # the engine: imported late

        started = time.perf_counter()
        written = rebuild_search_index()
        written = f"{written:,} documents, " if isinstance(written, int) else ""
        self.stdout.write(f"Search index rebuilt ({written}{time.perf_counter() - started:.1f} s).")
