//! The demo retailer's product range: brands, the category tree and every style with its
//! colours and sizes. Each style becomes one product per colour and size (a variant group
//! sharing the style's name), so 60-odd styles give the 500-plus products of the catalogue.

/// Brands: (name, SKU prefix, description). The first is the retailer's own label.
pub(super) const BRANDS: &[(&str, &str, &str)] = &[
    (
        "Ridgeline Outfitters",
        "RDG",
        "Our own label: technical outdoor clothing and camp kit",
    ),
    ("Northbound", "NBD", "Lightweight packs and shelters"),
    ("Cairn & Co.", "CRN", "Merino wool base layers and socks"),
    ("Fernwood", "FWD", "Organic cotton casual wear"),
    ("Kestrel Gear", "KST", "Camp kitchens, stoves and lighting"),
    ("Tidewater", "TDW", "Footwear for trail and water"),
];

/// Category tree: (key, name, parent key or "" for the top).
pub(super) const CATEGORIES: &[(&str, &str, &str)] = &[
    ("clothing", "Clothing", ""),
    ("jackets", "Jackets", "clothing"),
    ("fleece", "Fleece & Mid-layers", "clothing"),
    ("base", "Base Layers", "clothing"),
    ("tops", "Shirts & Tops", "clothing"),
    ("bottoms", "Trousers & Shorts", "clothing"),
    ("footwear", "Footwear", ""),
    ("boots", "Hiking Boots", "footwear"),
    ("shoes", "Trail Shoes & Sandals", "footwear"),
    ("equipment", "Equipment", ""),
    ("packs", "Backpacks", "equipment"),
    ("tents", "Tents & Shelters", "equipment"),
    ("sleep", "Sleeping Bags & Mats", "equipment"),
    ("kitchen", "Camp Kitchen", "equipment"),
    ("lighting", "Lighting & Navigation", "equipment"),
    ("accessories", "Accessories", ""),
    ("headwear", "Hats & Gloves", "accessories"),
    ("socks", "Socks", "accessories"),
    ("bottles", "Bottles & Flasks", "accessories"),
    ("gifts", "Gift Cards & Services", ""),
];

/// How a style is sized.
#[derive(Debug, Clone, Copy)]
pub(super) enum Sizes {
    /// XS to XL.
    Small,
    /// S to XXL.
    Large,
    /// US shoe sizes 7 to 13.
    Shoes,
    /// Three sizes (S, M, L).
    Three,
    /// Named sizes.
    Named(&'static [&'static str]),
    /// One size.
    One,
}

impl Sizes {
    /// The size labels.
    pub(super) fn labels(self) -> &'static [&'static str] {
        match self {
            Sizes::Small => &["XS", "S", "M", "L", "XL"],
            Sizes::Large => &["S", "M", "L", "XL", "XXL"],
            Sizes::Shoes => &["7", "8", "9", "10", "11", "12", "13"],
            Sizes::Three => &["S", "M", "L"],
            Sizes::Named(labels) => labels,
            Sizes::One => &[""],
        }
    }
}

/// What a product is, for stock and tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Stock-tracked goods.
    Goods,
    /// A gift card: not stock-tracked, not taxed.
    GiftCard,
    /// A workshop service: not stock-tracked.
    Service,
}

/// One style of the range.
#[derive(Debug, Clone, Copy)]
pub(super) struct Style {
    /// Category key.
    pub(super) category: &'static str,
    /// Index into [`BRANDS`].
    pub(super) brand: usize,
    /// The product name every variant shares.
    pub(super) name: &'static str,
    /// SKU style code.
    pub(super) code: &'static str,
    /// US retail price in whole dollars (sold at .95 below it... see `catalogue`).
    pub(super) price: u32,
    /// Colours; empty for products without one.
    pub(super) colours: &'static [&'static str],
    /// Sizes.
    pub(super) sizes: Sizes,
    /// Weight of one unit, kg.
    pub(super) weight: f64,
    /// Main material (a product custom field).
    pub(super) material: &'static str,
    /// Waterproof (a product custom field).
    pub(super) waterproof: bool,
    /// Stock-tracked goods, gift card or service.
    pub(super) kind: Kind,
}

// One argument per column of the range table below, so each style stays one readable line.
#[allow(clippy::too_many_arguments)]
const fn style(
    category: &'static str,
    brand: usize,
    name: &'static str,
    code: &'static str,
    price: u32,
    colours: &'static [&'static str],
    sizes: Sizes,
    weight: f64,
    material: &'static str,
    waterproof: bool,
) -> Style {
    Style {
        category,
        brand,
        name,
        code,
        price,
        colours,
        sizes,
        weight,
        material,
        waterproof,
        kind: Kind::Goods,
    }
}

const fn other(
    category: &'static str,
    name: &'static str,
    code: &'static str,
    price: u32,
    kind: Kind,
) -> Style {
    Style {
        category,
        brand: 0,
        name,
        code,
        price,
        colours: &[],
        sizes: Sizes::One,
        weight: 0.0,
        material: "",
        waterproof: false,
        kind,
    }
}

use Sizes::{Large, Named, One, Shoes, Small, Three};

const EARTH: &[&str] = &["Black", "Olive", "Slate Blue"];
const BRIGHT: &[&str] = &["Black", "Ember Red", "Glacier Blue"];
const NEUTRAL: &[&str] = &["Charcoal", "Sand", "Forest Green"];
const PAIR: &[&str] = &["Black", "Navy"];
const FOUR: &[&str] = &["Black", "Heather Grey", "Moss", "Rust"];

/// The whole range.
#[rustfmt::skip]
pub(super) const STYLES: &[Style] = &[
    style("jackets", 0, "Alpine Shell Jacket", "ASJ", 279, BRIGHT, Large, 0.45, "3-layer nylon", true),
    style("jackets", 0, "Stormline Rain Jacket", "SRJ", 149, EARTH, Small, 0.38, "2.5-layer nylon", true),
    style("jackets", 0, "Cirrus Down Jacket", "CDJ", 229, BRIGHT, Large, 0.36, "800-fill down", false),
    style("jackets", 0, "Ridge Insulated Parka", "RIP", 319, PAIR, Large, 0.95, "recycled polyester", true),
    style("jackets", 0, "Trailbreaker Softshell", "TSS", 169, EARTH, Small, 0.52, "stretch softshell", false),
    style("jackets", 0, "Gale Windbreaker", "GWB", 89, BRIGHT, Small, 0.18, "ripstop nylon", false),
    style("jackets", 0, "Summit Hybrid Jacket", "SHJ", 199, NEUTRAL, Large, 0.41, "synthetic insulation", false),
    style("jackets", 3, "Canyon Field Jacket", "CFJ", 159, NEUTRAL, Large, 0.82, "waxed cotton", true),
    style("fleece", 0, "Basecamp Fleece Hoodie", "BFH", 99, FOUR, Small, 0.48, "recycled fleece", false),
    style("fleece", 0, "Grid Fleece Pullover", "GFP", 89, EARTH, Large, 0.33, "grid fleece", false),
    style("fleece", 0, "Highline Quarter-Zip", "HQZ", 79, NEUTRAL, Small, 0.30, "microfleece", false),
    style("fleece", 3, "Pinecone Sherpa Jacket", "PSJ", 129, NEUTRAL, Large, 0.71, "sherpa fleece", false),
    style("fleece", 0, "Ember Fleece Vest", "EFV", 69, PAIR, Small, 0.25, "recycled fleece", false),
    style("base", 2, "Merino 150 Crew", "M15", 85, FOUR, Small, 0.15, "merino wool", false),
    style("base", 2, "Merino 250 Zip Neck", "M25", 110, EARTH, Large, 0.24, "merino wool", false),
    style("base", 2, "Thermal Leggings", "THL", 75, PAIR, Small, 0.18, "merino blend", false),
    style("base", 0, "Synthetic Base Tee", "SBT", 39, BRIGHT, Large, 0.12, "polyester", false),
    style("tops", 3, "Trail Tee", "TRT", 32, FOUR, Small, 0.16, "organic cotton", false),
    style("tops", 3, "Flannel Camp Shirt", "FCS", 65, NEUTRAL, Large, 0.35, "brushed cotton", false),
    style("tops", 0, "Sun Hoodie UPF50", "SUH", 59, BRIGHT, Small, 0.20, "polyester", false),
    style("tops", 0, "Quick-Dry Hiking Shirt", "QDS", 55, EARTH, Large, 0.22, "nylon", false),
    style("tops", 3, "Organic Logo Tee", "OLT", 28, FOUR, Small, 0.17, "organic cotton", false),
    style("bottoms", 0, "Traverse Hiking Trousers", "THT", 95, EARTH, Named(&["30", "32", "34", "36", "38"]), 0.42, "stretch nylon", false),
    style("bottoms", 0, "Convertible Zip-Off Pants", "CZP", 85, NEUTRAL, Named(&["30", "32", "34", "36"]), 0.39, "nylon", false),
    style("bottoms", 0, "Scramble Climbing Pants", "SCP", 89, PAIR, Small, 0.37, "stretch cotton", false),
    style("bottoms", 0, "Ridge Shorts 9in", "RSH", 55, NEUTRAL, Small, 0.21, "nylon", false),
    style("bottoms", 0, "Rain Overtrousers", "ROT", 99, PAIR, Large, 0.28, "2.5-layer nylon", true),
    style("boots", 5, "Ridgewalker Mid GTX Boot", "RWM", 189, &["Brown", "Grey"], Shoes, 1.20, "leather", true),
    style("boots", 5, "Backcountry Leather Boot", "BLB", 249, &["Brown"], Shoes, 1.50, "full-grain leather", true),
    style("boots", 5, "Fastpack Hiker", "FPH", 159, &["Black", "Teal"], Shoes, 0.90, "mesh and suede", false),
    style("shoes", 5, "Trail Runner 4", "TR4", 139, &["Black", "Coral"], Shoes, 0.62, "engineered mesh", false),
    style("shoes", 5, "River Sandal", "RVS", 79, &["Black"], Shoes, 0.48, "webbing", true),
    style("shoes", 5, "Camp Slip-On", "CSO", 65, &["Olive"], Shoes, 0.40, "quilted nylon", false),
    style("packs", 1, "Daypack 22L", "D22", 89, &["Black", "Olive"], One, 0.70, "recycled nylon", false),
    style("packs", 1, "Summit Pack 30L", "S30", 129, &["Black", "Ember Red"], One, 0.95, "ripstop nylon", false),
    style("packs", 1, "Trekker 45L", "T45", 189, &["Slate Blue", "Olive"], Named(&["S/M", "M/L"]), 1.45, "ripstop nylon", false),
    style("packs", 1, "Expedition 65L", "E65", 279, &["Black", "Glacier Blue"], Named(&["S/M", "M/L"]), 2.10, "Cordura", false),
    style("packs", 1, "Hydration Pack 12L", "H12", 99, &["Black", "Teal"], One, 0.55, "nylon", false),
    style("tents", 1, "Solo Trail 1P Tent", "ST1", 299, &[], One, 1.10, "silnylon", true),
    style("tents", 1, "Backcountry 2P Tent", "BC2", 399, &[], One, 1.90, "ripstop nylon", true),
    style("tents", 1, "Ultralight 2P Tent", "UL2", 549, &[], One, 1.05, "Dyneema", true),
    style("tents", 1, "Family Dome 4P Tent", "FD4", 449, &[], One, 5.80, "polyester", true),
    style("tents", 1, "Basecamp 6P Tent", "BC6", 649, &[], One, 9.40, "polycotton", true),
    style("sleep", 1, "Three Season Bag -5C", "TSB", 199, &[], Named(&["Regular", "Long"]), 1.30, "synthetic fill", false),
    style("sleep", 1, "Summer Bag +10C", "SMB", 99, &[], Named(&["Regular", "Long"]), 0.80, "synthetic fill", false),
    style("sleep", 1, "Alpine Down Bag -15C", "ADB", 449, &[], Named(&["Regular", "Long"]), 1.25, "800-fill down", false),
    style("sleep", 1, "Self-Inflating Mat", "SIM", 89, &[], Named(&["Regular", "Wide"]), 0.95, "foam", false),
    style("sleep", 1, "Ultralight Air Mat", "UAM", 149, &[], One, 0.42, "TPU nylon", false),
    style("kitchen", 4, "Canister Stove", "CST", 59, &[], One, 0.09, "titanium", false),
    style("kitchen", 4, "Titanium Pot Set", "TPS", 79, &[], One, 0.25, "titanium", false),
    style("kitchen", 4, "Camp Cook Set 4P", "CC4", 119, &[], One, 1.10, "hard-anodised aluminium", false),
    style("kitchen", 4, "Insulated Camp Mug 350ml", "ICM", 25, &["Black", "Ember Red", "Moss"], One, 0.21, "stainless steel", false),
    style("kitchen", 4, "Titanium Spork", "TSP", 12, &[], One, 0.02, "titanium", false),
    style("kitchen", 4, "Collapsible Bowl", "CBW", 15, &["Teal", "Orange"], One, 0.08, "silicone", false),
    style("lighting", 4, "Headlamp 350 lm", "HL3", 39, &["Black", "Orange"], One, 0.08, "polycarbonate", true),
    style("lighting", 4, "Rechargeable Headlamp 600 lm", "HL6", 69, &["Black"], One, 0.10, "aluminium", true),
    style("lighting", 4, "Camp Lantern", "CLN", 45, &[], One, 0.30, "polycarbonate", true),
    style("lighting", 4, "Carbon Trekking Poles", "CTP", 129, &[], One, 0.44, "carbon fibre", false),
    style("lighting", 4, "Baseplate Compass", "BPC", 35, &[], One, 0.05, "acrylic", true),
    style("headwear", 2, "Merino Beanie", "MBN", 35, FOUR, One, 0.06, "merino wool", false),
    style("headwear", 0, "Wide-Brim Sun Hat", "WSH", 39, &["Sand", "Olive"], Named(&["S/M", "L/XL"]), 0.10, "nylon", false),
    style("headwear", 0, "Fleece Gloves", "FGL", 29, &["Black"], Three, 0.07, "microfleece", false),
    style("headwear", 0, "Waterproof Insulated Gloves", "WIG", 69, &["Black"], Named(&["S", "M", "L", "XL"]), 0.16, "nylon", true),
    style("socks", 2, "Midweight Hiking Socks", "MHS", 24, &["Charcoal", "Forest Green"], Three, 0.08, "merino wool", false),
    style("socks", 2, "Liner Socks", "LNS", 16, &["Black"], Three, 0.04, "merino blend", false),
    style("socks", 2, "Merino Crew Socks", "MCS", 22, &["Charcoal", "Rust", "Navy"], Three, 0.07, "merino wool", false),
    style("bottles", 4, "Insulated Bottle 750ml", "IB7", 35, FOUR, One, 0.38, "stainless steel", false),
    style("bottles", 4, "Filter Water Bottle", "FWB", 45, &[], One, 0.20, "BPA-free plastic", false),
    other("gifts", "Gift Card $25", "GC025", 25, Kind::GiftCard),
    other("gifts", "Gift Card $50", "GC050", 50, Kind::GiftCard),
    other("gifts", "Gift Card $100", "GC100", 100, Kind::GiftCard),
    other("gifts", "Gift Card $250", "GC250", 250, Kind::GiftCard),
    other("gifts", "Boot Resoling Service", "SVC-RESOLE", 85, Kind::Service),
    other("gifts", "Jacket Reproofing Service", "SVC-REPROOF", 35, Kind::Service),
    other("gifts", "Tent Repair Service", "SVC-TENT", 60, Kind::Service),
];

/// The SKUs discontinued before the history starts: (style code, colour). Their stock ran out
/// and they are no longer sold.
pub(super) const DISCONTINUED: &[(&str, &str)] = &[("GWB", "Ember Red"), ("CSO", "Olive")];
