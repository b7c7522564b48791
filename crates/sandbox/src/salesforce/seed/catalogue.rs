//! The demo business's names and numbers: shops, wholesalers, people, the product range,
//! deal stages and support cases. Fixed, so the demo data is the same every time.

/// (city, county, postcode): one per shop.
#[rustfmt::skip]
pub(super) const SHOP_TOWNS: [(&str, &str, &str); 30] = [
    ("Leeds", "West Yorkshire", "LS1 4AP"),
    ("York", "North Yorkshire", "YO1 7HH"),
    ("Manchester", "Greater Manchester", "M1 1AD"),
    ("Liverpool", "Merseyside", "L1 8JQ"),
    ("Bristol", "Bristol", "BS1 4DJ"),
    ("Bath", "Somerset", "BA1 1SU"),
    ("Exeter", "Devon", "EX1 1GE"),
    ("Norwich", "Norfolk", "NR2 1NH"),
    ("Cambridge", "Cambridgeshire", "CB2 3QF"),
    ("Oxford", "Oxfordshire", "OX1 2JD"),
    ("Brighton", "East Sussex", "BN1 1HA"),
    ("Canterbury", "Kent", "CT1 2JE"),
    ("Nottingham", "Nottinghamshire", "NG1 2GR"),
    ("Leicester", "Leicestershire", "LE1 5WW"),
    ("Sheffield", "South Yorkshire", "S1 2HH"),
    ("Newcastle upon Tyne", "Tyne and Wear", "NE1 7RU"),
    ("Durham", "County Durham", "DH1 3NJ"),
    ("Chester", "Cheshire", "CH1 2HU"),
    ("Shrewsbury", "Shropshire", "SY1 1SJ"),
    ("Worcester", "Worcestershire", "WR1 2NA"),
    ("Gloucester", "Gloucestershire", "GL1 2PG"),
    ("Winchester", "Hampshire", "SO23 8RY"),
    ("Salisbury", "Wiltshire", "SP1 1EJ"),
    ("Lincoln", "Lincolnshire", "LN1 1HH"),
    ("Hereford", "Herefordshire", "HR4 9HA"),
    ("Lancaster", "Lancashire", "LA1 1LY"),
    ("Kendal", "Cumbria", "LA9 4HE"),
    ("Truro", "Cornwall", "TR1 2SF"),
    ("Harrogate", "North Yorkshire", "HG1 1BA"),
    ("Ludlow", "Shropshire", "SY8 1AY"),
];

/// Shop names; a shop is `<name> <town>`.
pub(super) const SHOP_NAMES: [&str; 6] = [
    "Bramble & Pine",
    "Hollow Oak Outfitters",
    "Kestrel Street Wear",
    "Marlow Shoe Co.",
    "The Linen Room",
    "Fernbrook Apparel",
];

/// (name, city, postcode) of the wholesale customers.
#[rustfmt::skip]
pub(super) const WHOLESALERS: [(&str, &str, &str); 20] = [
    ("Albion Trade Supplies Ltd", "Birmingham", "B5 4BU"),
    ("Northgate Distribution Ltd", "Wakefield", "WF1 1QX"),
    ("Thamesway Wholesale", "London", "E14 5AB"),
    ("Pennine Clothing Wholesale", "Huddersfield", "HD1 2RS"),
    ("Severn Valley Traders", "Telford", "TF3 4NA"),
    ("Caledonia Apparel Distributors", "Glasgow", "G1 3SL"),
    ("Forth & Clyde Footwear", "Edinburgh", "EH1 1YZ"),
    ("Cambrian Outdoor Supply", "Cardiff", "CF10 1EP"),
    ("Ulster Fashion Wholesale", "Belfast", "BT1 5GS"),
    ("Solent Marine & Leisure", "Southampton", "SO14 3HL"),
    ("Mersey Footwear Importers", "Warrington", "WA1 2EN"),
    ("Humber Textile Trading", "Hull", "HU1 3DZ"),
    ("Chiltern Retail Services", "Luton", "LU1 2BY"),
    ("Wessex Garment Co.", "Yeovil", "BA20 1EN"),
    ("Trent Valley Merchants", "Stoke-on-Trent", "ST1 1HP"),
    ("Fenland Wholesale Clothing", "Peterborough", "PE1 1XN"),
    ("Medway Discount Fashion", "Chatham", "ME4 4TR"),
    ("Dales Country Clothing", "Skipton", "BD23 1DN"),
    ("Cotswold Trade Counter", "Cheltenham", "GL50 1QA"),
    ("Tyneside Shoe Supply", "Gateshead", "NE8 1BN"),
];

/// Streets shops stand on.
pub(super) const STREETS: [&str; 10] = [
    "High Street",
    "Market Place",
    "Church Street",
    "Station Road",
    "Bridge Street",
    "King Street",
    "Castle Street",
    "Queen Street",
    "Mill Lane",
    "Park Road",
];

/// Given names of the customers' people.
pub(super) const FIRST_NAMES: [&str; 20] = [
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Freya", "Arthur", "Ivy", "Leo",
    "Florence", "Oscar", "Rosie", "Harry", "Evie", "Jack", "Poppy", "Theo", "Maisie", "Alfie",
];

/// Family names of the customers' people.
pub(super) const LAST_NAMES: [&str; 25] = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Lewis",
];

/// (name, code stem, family, retail price, unit) of each product line; every line comes in
/// the two colours of [`COLOURS`].
#[rustfmt::skip]
pub(super) const PRODUCT_LINES: [(&str, &str, &str, f64, &str); 20] = [
    ("Organic Cotton T-Shirt", "TEE-ORG", "Apparel", 18.00, "Each"),
    ("Heavyweight Pocket Tee", "TEE-HVY", "Apparel", 24.00, "Each"),
    ("Merino Crew Jumper", "JMP-MER", "Apparel", 65.00, "Each"),
    ("Fisherman Rib Beanie", "HAT-BEA", "Accessories", 16.00, "Each"),
    ("Brushed Fleece Hoodie", "HOD-FLC", "Apparel", 48.00, "Each"),
    ("Slim Selvedge Jeans", "JNS-SLV", "Apparel", 85.00, "Each"),
    ("Relaxed Chino Trousers", "CHN-RLX", "Apparel", 55.00, "Each"),
    ("Waxed Cotton Jacket", "JKT-WAX", "Apparel", 145.00, "Each"),
    ("Packable Rain Shell", "JKT-RAN", "Apparel", 95.00, "Each"),
    ("Oxford Button-Down Shirt", "SHT-OXF", "Apparel", 45.00, "Each"),
    ("Canvas Low-Top Trainer", "SHO-CNV", "Footwear", 55.00, "Pair"),
    ("Leather Court Trainer", "SHO-CRT", "Footwear", 89.00, "Pair"),
    ("Trail Running Shoe", "SHO-TRL", "Footwear", 110.00, "Pair"),
    ("Chelsea Boot", "BOT-CHL", "Footwear", 150.00, "Pair"),
    ("Hiking Boot", "BOT-HIK", "Footwear", 135.00, "Pair"),
    ("Suede Desert Boot", "BOT-DSR", "Footwear", 120.00, "Pair"),
    ("Cork Footbed Sandal", "SAN-CRK", "Footwear", 60.00, "Pair"),
    ("Wool Hiking Socks 3-Pack", "SCK-WOL", "Accessories", 21.00, "Box"),
    ("Canvas Tote Bag", "BAG-TOT", "Accessories", 25.00, "Each"),
    ("Leather Belt", "BLT-LTH", "Accessories", 38.00, "Each"),
];

/// (colour, SKU code) each product line comes in.
pub(super) const COLOURS: [(&str, &str); 2] = [("Black", "BLK"), ("Navy", "NVY")];

/// Opportunity stages, in the order the demo deals cycle through them.
pub(super) const STAGES: [&str; 10] = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];

/// What a deal is for.
pub(super) const SEASONS: [&str; 3] = ["Spring/Summer range", "Autumn/Winter range", "Restock"];

/// (subject, status, origin, priority, reason, type) of the demo cases.
#[rustfmt::skip]
pub(super) const CASES: [(&str, &str, &str, &str, &str, &str); 6] = [
    ("Parcel not delivered", "New", "Email", "High", "Not Delivered", "Problem"),
    ("Wrong size sent", "Working", "Phone", "Medium", "Wrong Item", "Return"),
    ("Heel came away after a week", "Escalated", "Email", "High", "Damaged", "Refund"),
    ("Trade account credit limit", "New", "Web", "Low", "Other", "Question"),
    ("Return of unsold stock", "Working", "Email", "Medium", "Changed Mind", "Return"),
    ("Invoice shows the wrong VAT", "Closed", "Phone", "Low", "Other", "Question"),
];

/// How the demo payments were made.
pub(super) const METHODS: [&str; 5] = ["Card", "Bank Transfer", "PayPal", "Card", "Bank Transfer"];
