"""The benchmark corpus's vocabulary and planted terms (data tables; see corpus.py)."""

RARE_POSTS = 3  # "rare": found in 1-5 posts
AUTHOR_NAME = "ベンチマーク編集部"  # the first byline, and the busiest
AUTHORS = 200
# Bylines after the desk's own: family and given names, paired in a fixed order.
FAMILY_NAMES = """
佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水
"""
GIVEN_NAMES = "花子 太郎 健 美咲 翔太 陽子 大輔 彩 直樹 由美 拓也 恵"
# (category, parent): six sections with three sub-categories each.
CATEGORY_TREE = [
    ("AI", None),
    ("自然言語処理", "AI"),
    ("画像認識", "AI"),
    ("ロボティクス", "AI"),
    ("クラウド", None),
    ("インフラ運用", "クラウド"),
    ("DB基盤", "クラウド"),
    ("ネットワーク", "クラウド"),
    ("半導体", None),
    ("製造装置", "半導体"),
    ("メモリ", "半導体"),
    ("設計ツール", "半導体"),
    ("ソフトウェア", None),
    ("プログラミング言語", "ソフトウェア"),
    ("オープンソース", "ソフトウェア"),
    ("Web技術", "ソフトウェア"),
    ("ビジネス", None),
    ("資金調達", "ビジネス"),
    ("経営", "ビジネス"),
    ("規制と政策", "ビジネス"),
    ("セキュリティ", None),
    ("脆弱性", "セキュリティ"),
    ("プライバシー", "セキュリティ"),
    ("暗号", "セキュリティ"),
]
CATEGORY_NAMES = [name for name, _ in CATEGORY_TREE]
TAGS = 5000
# The most used tags, most used first; the rest of the 5,000 are made from the vocabulary.
TAG_NAMES = """
機械学習 生成AI オープンソース スタートアップ 規制 Python Rust 論考 半導体 クラウド LLM GPU
セキュリティ 自動運転 量子コンピュータ サプライチェーン 決算 買収 インタビュー 解説 速報 連載
Kubernetes PostgreSQL 著作権 プライバシー エッジAI ロボット 電気自動車 5G 省電力 教育 医療
金融 行政 ゲーム 広告 メディア 人材 働き方
"""

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
    # Rare, but both of its character pairs are in nearly every post (see SENTENCES): the
    # index alone cannot narrow it down.
    ("3", "rare", "産業界"),
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
    "{L}産業と{N}業界の関係は、{A}。",
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


def words(block: str) -> list[str]:
    return block.split()


def check_vocabulary() -> None:
    vocabulary = [
        *words(KANJI),
        *words(KATAKANA),
        *words(LATIN),
        *words(PREDICATES),
        *words(ASSESSMENTS),
        *words(CONNECTIVES),
        *words(SPEAKERS),
        *SENTENCES,
        *TITLES,
        *HEADINGS,
        *EXCERPTS,
        *PLANT_GENERIC,
        *CATEGORY_NAMES,
        *words(TAG_NAMES),
        *words(FAMILY_NAMES),
        *words(GIVEN_NAMES),
        AUTHOR_NAME,
    ]
    for _, _, term in BENCH_TERMS:
        folded = term.casefold()
        clash = [w for w in vocabulary if folded in w.casefold()]
        if clash:
            raise ValueError(f"planted term {term!r} occurs in the vocabulary: {clash[:5]}")
