"""Words sellers stack into titles, per catalogue category, and the general ones every title borrows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryWords:
    attrs_zh: tuple[str, ...]
    specs_zh: tuple[str, ...]
    attrs_en: tuple[str, ...]
    specs_en: tuple[str, ...]
    price: tuple[int, int]  # yuan
    material: str = "其他"


def _w(
    attrs_zh: str, specs_zh: str, attrs_en: str, specs_en: str, price: tuple[int, int], material: str = "其他"
):
    return CategoryWords(
        tuple(attrs_zh.split()),
        tuple(specs_zh.split()),
        tuple(attrs_en.split("|")),
        tuple(specs_en.split("|")),
        price,
        material,
    )


WORDS: dict[str, CategoryWords] = {
    "children_clothing": _w(
        "纯棉 男童 女童 宝宝 加绒 春秋款 连帽 洋气 韩版 中大童 儿童 卡通",
        "90cm 100cm 110cm 120cm 130cm 140cm 73码 80码",
        "Cotton|Boys|Girls|Hooded|Cartoon|Autumn|Warm",
        "2T|3T|4T|5-6Y|7-8Y",
        (39, 159),
        "棉",
    ),
    "school_uniform": _w(
        "校服 运动服 班服 小学生 初中生 英伦风 春秋 两件套 三件套 纯棉",
        "120 130 140 150 160 170",
        "Cotton|British Style|Two-Piece|Sports|Spring",
        "Size 120|Size 140|Size 160",
        (69, 239),
        "聚酯纤维",
    ),
    "towel": _w(
        "纯棉 加厚 吸水 不掉毛 家用 情侣 儿童 a类 洗脸 柔软",
        "34x74cm 70x140cm 25x50cm 3条装 2条装",
        "100% Cotton|Thick|Absorbent|Soft|Quick Dry",
        "70x140cm|34x74cm|Pack of 3",
        (9, 69),
        "棉",
    ),
    "shower_head": _w(
        "增压 淋浴 手持 大出水 过滤 家用 浴室 莲蓬头 三挡 不锈钢",
        "五档 三档 12cm 套装",
        "High Pressure|Handheld|Filter|Rainfall|5 Modes",
        "5 Settings|3 Modes|4.7 Inch",
        (29, 199),
        "ABS",
    ),
    "knitted_tshirt": _w(
        "纯棉 短袖 圆领 男士 女士 宽松 打底衫 夏季 潮牌 白色 重磅",
        "S M L XL XXL 3XL",
        "Cotton|Crew Neck|Short Sleeve|Loose Fit|Basic",
        "S|M|L|XL|XXL",
        (19, 99),
        "棉",
    ),
    "mask": _w(
        "一次性 三层 防护 独立包装 熔喷布 透气 防尘 成人 儿童 医用级 立体",
        "50只装 10只装 30只 100只",
        "Disposable|3-Ply|Breathable|Individually Wrapped|5-Layer",
        "Pack of 50|20 Pcs|10 Pcs",
        (9, 79),
        "熔喷布",
    ),
    "swimwear": _w(
        "连体 分体 保守 遮肚 显瘦 儿童 女童 男童 防晒 温泉 速干",
        "S M L XL 110 120 130",
        "One Piece|Kids|UPF50+|Quick Dry|Cute",
        "S|M|L|4-5Y|6-7Y",
        (39, 189),
        "锦纶",
    ),
    "child_safety_seat": _w(
        "汽车用 车载 0-12岁 isofix接口 可坐可躺 360度旋转 宝宝 婴儿 便携",
        "0-4岁 9个月-12岁 0-12岁",
        "ISOFIX|360 Rotation|Reclining|Group 1/2/3|Convertible",
        "0-12 Years|9-36kg",
        (299, 1899),
        "HDPE",
    ),
    "children_stationery": _w(
        "小学生 儿童 卡通 可爱 一年级 套装 礼盒 开学 文具盒 香味",
        "10件套 12色 6个装 套装",
        "Cute|Scented|Cartoon|School|Gift Set",
        "Set of 10|12 Pcs|6 Pack",
        (5, 59),
        "塑料",
    ),
    "leather_shoes": _w(
        "真皮 头层牛皮 商务 正装 休闲 英伦 系带 软底 防滑 透气",
        "38 39 40 41 42 43 44",
        "Genuine Leather|Business|Oxford|Slip-On|Soft Sole",
        "US 8|US 9|US 10",
        (129, 599),
        "牛皮",
    ),
    "leather_clothing": _w(
        "真皮 绵羊皮 修身 机车 立领 短款 加绒 男士 女士 秋冬",
        "M L XL XXL",
        "Genuine Leather|Slim Fit|Biker|Stand Collar",
        "M|L|XL",
        (399, 2599),
        "羊皮",
    ),
    "children_furniture": _w(
        "实木 儿童 学习桌 可升降 书桌椅 套装 小学生 家用 写字桌",
        "80cm 100cm 120cm",
        "Height Adjustable|Kids|Solid Wood|Study",
        "80cm|100cm|120cm",
        (299, 1999),
        "实木",
    ),
    "furniture": _w(
        "实木 北欧 简约 现代 小户型 卧室 家用 橡木 布艺 科技布",
        "1.5米 1.8米 三人位 四门",
        "Modern|Solid Wood|Nordic|Fabric|Bedroom",
        "3-Seater|1.8m|4 Doors",
        (599, 4999),
        "实木",
    ),
    "man_made_board": _w(
        "E0级 环保 家具板 免漆 生态 衣柜板 多层实木 杉木 细木工",
        "18mm 15mm 12mm 1220x2440",
        "E0|Eco|Furniture Grade|Laminated",
        "18mm|4x8 ft",
        (69, 269),
        "杨木",
    ),
    "interior_coating": _w(
        "内墙 乳胶漆 环保 家用 白色 自刷 墙面 翻新 净味 防霉",
        "5L 18L 20kg 1kg",
        "Low VOC|Interior|Washable|Matte",
        "1 Gallon|5L",
        (49, 499),
        "水性",
    ),
    "safety_glass": _w(
        "钢化 定制 透明 浴室 隔断 台面 夹胶 超白 加厚",
        "5mm 8mm 10mm 12mm",
        "Tempered|Custom Size|Clear|Laminated",
        "5mm|8mm|10mm",
        (59, 599),
        "玻璃",
    ),
    "sunglasses": _w(
        "偏光 防紫外线 开车 男士 女士 儿童 潮 大框 圆脸 复古 UV400",
        "黑框 茶色 银色",
        "Polarized|UV400|Retro|Kids|Oversized",
        "Black Frame|Tortoise",
        (19, 299),
        "PC",
    ),
    "cool_mat": _w(
        "冰丝 凉席 三件套 可水洗 可折叠 夏季 双人 学生宿舍 竹席 藤席",
        "1.5m 1.8m 0.9m 1.2m",
        "Ice Silk|Foldable|Washable|Summer",
        "Queen|Twin|King",
        (39, 299),
        "冰丝",
    ),
    "electric_bicycle": _w(
        "新国标 电动车 锂电池 成人 代步 男女式 小型 长续航 48V",
        "48V12A 48V20A 续航60km",
        "Commuter|48V|Lithium|Foldable|Long Range",
        "48V 12Ah|20 inch",
        (1299, 4599),
        "铝合金",
    ),
    "ebike_charger": _w(
        "电动车 电瓶车 充电器 智能 快充 自动断电 通用 铅酸 锂电",
        "48V12AH 48V20AH 60V20AH 72V",
        "Fast Charge|Smart|Universal|Lithium",
        "48V 2A|36V|60V",
        (29, 159),
        "ABS",
    ),
    "power_bank": _w(
        "充电宝 超薄 大容量 快充 自带线 便携 迷你 移动电源 22.5W 苹果 安卓通用",
        "10000毫安 20000毫安 30000mAh",
        "Fast Charging|Slim|USB-C|PD 22.5W|High Capacity",
        "10000mAh|20000mAh",
        (49, 199),
        "ABS",
    ),
    "space_heater": _w(
        "取暖器 家用 节能 速热 小太阳 暖风机 浴室 办公室 静音 防水",
        "2000W 2200W 1800W",
        "Ceramic|Fast Heating|Tip-Over Protection|Quiet|Portable",
        "1500W|2000W",
        (59, 499),
        "ABS",
    ),
    "hair_dryer": _w(
        "负离子 大功率 家用 速干 护发 静音 折叠 宿舍 冷热风",
        "2000W 1800W 1600W",
        "Ionic|Fast Drying|Foldable|Quiet|Salon",
        "1800W|2000W",
        (39, 399),
        "ABS",
    ),
    "electric_kettle": _w(
        "电热水壶 不锈钢 家用 自动断电 大容量 烧水壶 保温 316",
        "1.5L 1.7L 1.8L 2L",
        "Stainless Steel|Auto Shut-Off|Fast Boil|BPA Free",
        "1.7L|1.5L",
        (39, 259),
        "不锈钢",
    ),
    "toys": _w(
        "儿童 益智 玩具 男孩 女孩 宝宝 早教 生日礼物 磁力片 毛绒 公仔",
        "64件套 100件 30cm 套装",
        "Educational|Kids|Birthday Gift|Magnetic|Plush",
        "64 Pcs|100 Pcs|30cm",
        (19, 299),
        "塑料",
    ),
    "baby_stroller": _w(
        "婴儿推车 可坐可躺 轻便 折叠 高景观 儿童 滑板车 自行车 宝宝",
        "0-3岁 3-6岁 12寸 14寸",
        "Lightweight|Foldable|Reclining|Kids|Scooter",
        "0-36 Months|12 inch",
        (199, 1599),
        "铝合金",
    ),
    "helmet": _w(
        "3C认证 电动车 头盔 男女 四季通用 夏季 半盔 全盔 骑行 安全帽 儿童",
        "均码 M L XL",
        "CPSC Certified|Adjustable|Lightweight|Kids",
        "M|L|Adjustable",
        (29, 199),
        "ABS",
    ),
    "children_shoes": _w(
        "儿童 运动鞋 男童 女童 软底 防滑 透气 网面 宝宝 学步鞋 魔术贴",
        "21码 25码 28码 31码 34码",
        "Kids|Breathable|Non-Slip|Toddler|Velcro",
        "Toddler 6|Little Kid 12",
        (39, 219),
        "网布",
    ),
    "car_interior": _w(
        "汽车坐垫 四季通用 全包围 亚麻 冰丝 方向盘套 脚垫 专车专用",
        "五座 全包 单片",
        "Universal Fit|Breathable|Full Set|Leather",
        "5 Seats|Full Set",
        (59, 699),
        "亚麻",
    ),
    "wires_cables": _w(
        "国标 铜芯 家装 电线 单芯 多股 软线 阻燃 BV BVR",
        "1.5平方 2.5平方 4平方 100米",
        "Copper|Flame Retardant|Solid Core|Stranded",
        "12 AWG|100 ft",
        (99, 899),
        "铜",
    ),
}

GENERIC = _w(
    "新款 家用 正品 多功能 便携 高品质 简约",
    "标准款 大号 小号",
    "New|Portable|High Quality|Multi-Function",
    "Standard|Large",
    (29, 299),
)

PREFIXES_ZH = (
    "【官方正品】",
    "【顺丰包邮】",
    "【现货速发】",
    "【限时特惠】",
    "【旗舰店】",
    "【品质保障】",
    "【买一送一】",
    "【2025新款】",
    "【热销万件】",
    "【工厂直销】",
    "",
)
MARKETING_ZH = (
    "新款",
    "正品",
    "包邮",
    "热卖",
    "爆款",
    "官方",
    "特价",
    "现货",
    "2025新款",
    "网红",
    "同款",
    "加厚",
    "升级款",
    "高端",
)
SUFFIXES_ZH = ("包邮", "正品保证", "现货速发", "送运费险", "厂家直销", "假一赔十", "七天无理由", "")
PREFIXES_EN = ("2025 New ", "Upgraded ", "Hot Sale ", "Original ", "Free Shipping ", "", "", "")
SUFFIXES_EN = ("", " - Free Shipping", " for Home", " Gift", " (New)", "")

BRANDS_ZH = (
    "优趣",
    "童佳乐",
    "暖阳",
    "安途",
    "贝乐美",
    "金盾",
    "森活家",
    "朗悦",
    "米芽",
    "乐途",
    "蓝羽",
    "嘉禾",
    "欧睿",
    "星辰",
    "悦享",
    "百纳",
    "恒星",
    "凯尔",
    "诺贝",
    "简初",
    "青柠",
    "若木",
    "小鹿蓝",
    "沐光",
)
BRANDS_EN = (
    "Zoyee",
    "Kidvon",
    "Lumora",
    "Brivo",
    "Tenzor",
    "Aplus",
    "Hommie",
    "Quorra",
    "Vanlee",
    "Orzly",
    "Nexgo",
    "Sunkyo",
    "Feelma",
    "Yoyoso",
    "Duravo",
    "Pinkoo",
    "Ecoxa",
    "Mivado",
)
CITIES = ("义乌", "深圳", "广州", "杭州", "温州", "泉州", "苏州", "宁波", "汕头", "临沂", "东莞", "佛山")
SHOP_NOUNS = ("百货", "母婴", "家居", "数码", "服饰", "日用", "优品", "生活馆", "精品", "工厂")
SHOP_FORMS_ZH = (
    "{brand}官方旗舰店",
    "{brand}旗舰店",
    "{brand}专营店",
    "{city}{noun}专营店",
    "{city}{noun}店",
    "{brand}{noun}专卖店",
    "{name}的小店",
    "{city}{noun}批发",
)
SHOP_FORMS_EN = (
    "{brand} Official Store",
    "{brand} Store",
    "{city} {noun} Co., Ltd",
    "Shop{num} Store",
    "{brand}-Direct",
)
CITIES_EN = ("Shenzhen", "Yiwu", "Guangzhou", "Ningbo", "Hangzhou", "Dongguan", "Xiamen")
SHOP_NOUNS_EN = ("Trading", "Technology", "Home", "Kids", "Global", "Outdoor")
NAMES = ("阿明", "小雨", "晴天", "大福", "阿珍", "小美", "老王", "佳佳", "欢欢", "阿杰")
PROVINCES = ("浙江", "广东", "江苏", "福建", "山东", "河北", "上海", "北京")

MATERIAL_EN = {
    "棉": "Cotton",
    "聚酯纤维": "Polyester",
    "ABS": "ABS Plastic",
    "熔喷布": "Melt-blown Fabric",
    "锦纶": "Nylon",
    "HDPE": "HDPE",
    "塑料": "Plastic",
    "牛皮": "Cowhide Leather",
    "羊皮": "Sheepskin",
    "实木": "Solid Wood",
    "杨木": "Poplar",
    "水性": "Water-based",
    "玻璃": "Glass",
    "PC": "Polycarbonate",
    "冰丝": "Ice Silk",
    "铝合金": "Aluminium Alloy",
    "不锈钢": "Stainless Steel",
    "网布": "Mesh",
    "亚麻": "Linen",
    "铜": "Copper",
}

# ----- traps: listings that name a planted model without selling it, and true ones written oddly ----------

#: Spare parts and accessories sellers list under the model they fit (Chinese, English).
ACCESSORIES = (
    ("替换刷头", "Replacement Brush Heads"),
    ("遮阳罩", "Sun Shade"),
    ("遥控器", "Remote Control"),
    ("充电器", "Charger"),
    ("电源适配器", "Power Adapter"),
    ("保护套", "Protective Case"),
    ("收纳包", "Storage Bag"),
    ("滤芯", "Filter Cartridge"),
    ("替换头", "Replacement Head"),
    ("防尘罩", "Dust Cover"),
    ("支架", "Mount Bracket"),
    ("雨罩", "Rain Cover"),
    ("座垫套", "Seat Cushion Cover"),
    ("电池", "Battery"),
    ("数据线", "Charging Cable"),
    ("密封圈", "Sealing Ring"),
)
#: How accessory titles name the model they fit: {brand} {model} {part}; the brand may be left out.
ACCESSORY_FORMS_ZH = (
    "适用于{brand} {model} {part}",
    "{model} 专用{part}",
    "{brand} {model} {part}",
    "适配{brand}{model}{part} 配件",
    "{part} 适用{brand} {model} 原装品质",
)
ACCESSORY_FORMS_EN = (
    "{part} for {brand} {model}",
    "{part} Compatible with {brand} {model}",
    "{brand} {model} {part}",
    "Replacement {part} Fits {model}",
)
#: How a shop puts someone else's model in front of its own product ("白牌" titles).
WHITE_LABEL_FORMS_ZH = ("适用于{brand} {model} ", "适用{brand}{model}同款 ", "适配{brand} {model} 通用 ")
WHITE_LABEL_FORMS_EN = ("Compatible with {brand} {model} - ", "For {brand} {model} ", "{model} Compatible ")
#: Suffixes sellers glue to a model code without a space (the model stays the same).
GLUED_SUFFIXES = ("款", "升级款", "新款", "同款", "型", "正品")
