"""Map a list's own category and product words onto the catalogue's category codes."""

from __future__ import annotations

import re

from crawler.catalogue.schema import Catalogue, load_categories

# Words the lists use for the catalogue's categories beyond the catalogue's own names and terms.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "children_clothing": (
        "儿童服装",
        "婴幼儿服装",
        "儿童服饰",
        "童装",
        "儿童睡衣",
        "children's clothing",
        "children's sleepwear",
        "children's pajamas",
        "kids' clothing",
        "baby clothing",
        "baby clothes",
        "infant clothing",
        "children's hoodie",
        "children's jacket",
        "children's garments",
    ),
    "school_uniform": ("校服", "school uniform"),
    "towel": ("毛巾", "浴巾", "towel", "towels"),
    "shower_head": ("花洒", "淋浴", "shower head", "showerhead"),
    "knitted_tshirt": ("针织t恤", "t恤", "t-shirt", "t-shirts", "tee shirt"),
    "mask": ("口罩", "face mask", "face masks", "respirator", "kn95"),
    "swimwear": ("泳衣", "泳装", "swimsuit", "swimwear", "swimming costume", "bathing suit"),
    "child_safety_seat": (
        "儿童安全座椅",
        "安全座椅",
        "child car seat",
        "car seat",
        "car seats",
        "booster seat",
        "child restraint",
        "infant carrier",
    ),
    "children_stationery": (
        "学生用品",
        "文具",
        "橡皮擦",
        "修正带",
        "stationery",
        "eraser",
        "erasers",
        "crayon",
        "crayons",
        "pencil case",
        "slime",
    ),
    "leather_shoes": ("皮鞋", "leather shoes"),
    "leather_clothing": ("皮衣", "皮革服装", "leather jacket", "leather clothing"),
    "children_furniture": (
        "儿童家具",
        "儿童床",
        "婴儿床",
        "crib",
        "cribs",
        "cot",
        "cots",
        "bassinet",
        "high chair",
        "highchair",
        "bunk bed",
        "children's bed",
        "children's furniture",
        "changing table",
    ),
    "furniture": (
        "家具",
        "衣柜",
        "沙发",
        "furniture",
        "dresser",
        "dressers",
        "chest of drawers",
        "wardrobe",
        "sofa",
        "bookcase",
        "cabinet",
    ),
    "man_made_board": ("人造板", "刨花板", "胶合板", "plywood", "particleboard", "fibreboard"),
    "interior_coating": ("涂料", "乳胶漆", "wall paint", "interior paint"),
    "safety_glass": ("安全玻璃", "钢化玻璃", "tempered glass", "safety glass"),
    "sunglasses": ("太阳镜", "墨镜", "sunglasses", "sun glasses"),
    "cool_mat": ("凉席", "竹席", "cooling mat"),
    "electric_bicycle": (
        "电动自行车",
        "电动车",
        "e-bike",
        "e-bikes",
        "ebike",
        "ebikes",
        "electric bicycle",
        "electric bicycles",
        "electric bike",
        "electric bikes",
        "pedelec",
    ),
    "ebike_charger": ("电动车充电器", "电瓶车充电器", "e-bike battery", "e-bike batteries", "e-bike charger"),
    "power_bank": ("充电宝", "移动电源", "power bank", "power banks", "powerbank", "portable charger"),
    "space_heater": (
        "取暖器",
        "电暖器",
        "暖风机",
        "space heater",
        "space heaters",
        "electric heater",
        "fan heater",
        "portable heater",
    ),
    "hair_dryer": ("电吹风", "吹风机", "hair dryer", "hair dryers", "hairdryer", "blow dryer"),
    "electric_kettle": ("电水壶", "电热水壶", "kettle", "kettles"),
    "toys": (
        "玩具",
        "toy",
        "toys",
        "toys and games",
        "plush",
        "doll",
        "dolls",
        "rattle",
        "teether",
        "puzzle",
        "building blocks",
        "fidget",
    ),
    "baby_stroller": (
        "童车",
        "婴儿推车",
        "儿童自行车",
        "儿童滑板车",
        "stroller",
        "strollers",
        "pushchair",
        "pram",
        "baby carriage",
        "children's bicycle",
        "kids' bike",
        "balance bike",
        "tricycle",
    ),
    "helmet": ("头盔", "helmet", "helmets"),
    "children_shoes": ("童鞋", "儿童鞋", "children's shoes", "kids' shoes", "toddler shoes"),
    "car_interior": ("汽车内饰", "汽车坐垫", "汽车脚垫", "car seat cover", "car mat", "car mats"),
    "wires_cables": (
        "电线",
        "电缆",
        "电线电缆",
        "electric wire",
        "copper wire",
        "building wire",
        "power cable",
    ),
}


# Korean category words of the KATS (SafetyKorea) recall lists.
KOREAN: dict[str, tuple[str, ...]] = {
    "toys": ("완구",),
    "children_clothing": ("아동용 섬유제품", "유아용 섬유제품"),
    "children_furniture": ("어린이용 가구",),
    "children_stationery": ("학용품",),
    "mask": ("마스크",),
    "helmet": ("승차용 안전모", "안전모", "헬멧"),
    "sunglasses": ("선글라스",),
    "baby_stroller": ("유모차", "어린이용 자전거", "유아용 삼륜차", "어린이용 킥보드"),
    "power_bank": ("보조배터리",),
    "children_shoes": ("아동화",),
    "child_safety_seat": ("카시트", "어린이용 카시트"),
    "hair_dryer": ("헤어드라이어",),
    "electric_kettle": ("전기주전자",),
}


def _trie_pattern(words: list[str]) -> str:
    """One regular expression for many literal words, branching on shared prefixes (longest first), so
    a text is scanned once instead of once per word."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return "(?:" + build(trie) + ")"


class CategoryMapper:
    """Finds the catalogue code named by a text: the term ending last wins (the head noun comes last
    in Chinese and English product names: 儿童自行车头盔, kids bike helmet), then the longest; more
    specific texts go first (a product name before a list's broad category)."""

    def __init__(self, catalogue: Catalogue) -> None:
        known = {spec.code for spec in catalogue.categories}
        terms: dict[str, str] = {}
        for spec in catalogue.categories:
            names = (
                spec.name_zh,
                spec.name_en,
                *spec.search_terms.get("zh", []),
                *spec.search_terms.get("en", []),
            )
            for term in names:
                terms.setdefault(term.lower(), spec.code)
        for code, words in (*SYNONYMS.items(), *KOREAN.items()):
            if code in known:
                for word in words:
                    terms.setdefault(word.lower(), code)
        latin = [t for t in terms if t.isascii()]
        other = [t for t in terms if not t.isascii()]
        parts = []
        if latin:
            parts.append(r"(?<![a-z0-9])" + _trie_pattern(latin) + r"(?![a-z0-9])")
        if other:
            parts.append(_trie_pattern(other))
        self._pattern = re.compile("|".join(parts) or r"(?!x)x")
        self._terms = terms
        self.codes = known

    @classmethod
    def shipped(cls) -> CategoryMapper:
        return cls(load_categories())

    def code_for(self, *texts: str | None) -> str | None:
        """The code for the first text (most specific first) that names a catalogue category."""
        for text in texts:
            if not text:
                continue
            found = [(m.end(), len(m.group(0)), m.group(0)) for m in self._pattern.finditer(text.lower())]
            if found:
                return self._terms[max(found)[2]]
        return None
