//! The demo retailer's people and places: first and last names, towns with their regions and
//! postcodes, streets, the trade customers and suppliers. Fixed tables; the seed picks from them.
//!
//! Telephone numbers come from the ranges set aside for fiction (US 555-01xx, UK Ofcom's drama
//! ranges 01632 960xxx and 07700 900xxx), and email domains are the reserved `example.*`
//! domains, so no demo record can reach a real person.

/// Given names, with a nickname people also use for some of them (a near-duplicate source).
#[rustfmt::skip]
pub(super) const FIRST_NAMES: &[(&str, Option<&str>)] = &[
    ("James", Some("Jim")), ("Mary", None), ("Robert", Some("Bob")), ("Patricia", Some("Pat")),
    ("John", Some("Jack")), ("Jennifer", Some("Jen")), ("Michael", Some("Mike")), ("Linda", None),
    ("David", Some("Dave")), ("Elizabeth", Some("Liz")), ("William", Some("Bill")), ("Barbara", None),
    ("Richard", Some("Rick")), ("Susan", Some("Sue")), ("Joseph", Some("Joe")), ("Jessica", Some("Jess")),
    ("Thomas", Some("Tom")), ("Sarah", None), ("Christopher", Some("Chris")), ("Karen", None),
    ("Daniel", Some("Dan")), ("Lisa", None), ("Matthew", Some("Matt")), ("Nancy", None),
    ("Anthony", Some("Tony")), ("Margaret", Some("Maggie")), ("Mark", None), ("Sandra", None),
    ("Steven", Some("Steve")), ("Ashley", None), ("Andrew", Some("Andy")), ("Emily", None),
    ("Joshua", Some("Josh")), ("Michelle", None), ("Kenneth", Some("Ken")), ("Amanda", Some("Mandy")),
    ("Kevin", None), ("Melissa", None), ("Brian", None), ("Deborah", Some("Debbie")),
    ("Oliver", Some("Ollie")), ("Amelia", None), ("Harry", None), ("Isla", None),
    ("George", None), ("Ava", None), ("Noah", None), ("Mia", None),
    ("Jacob", Some("Jake")), ("Sophie", None), ("Charlie", None), ("Grace", None),
    ("Alfie", None), ("Freya", None), ("Callum", None), ("Niamh", None),
    ("Siobhan", None), ("Declan", None), ("Aoife", None), ("Rhys", None),
    ("Priya", None), ("Arjun", None), ("Mei", None), ("Wei", None),
    ("Hiroshi", None), ("Yuki", None), ("Carlos", None), ("Sofia", None),
    ("Mateo", None), ("Valentina", None), ("Jose", None), ("Lucia", None),
    ("Ahmed", None), ("Fatima", None), ("Omar", None), ("Leila", None),
    ("Lukas", None), ("Anna", None), ("Jonas", None), ("Lena", None),
    ("Mary-Ann", None), ("Jean-Luc", None), ("Anne-Marie", None), ("Zoë", None),
    ("Chloé", None), ("Björn", None), ("Åsa", None), ("Renée", None),
    ("Tyler", None), ("Brittany", None), ("Kayla", None), ("Dylan", None),
    ("Hannah", None), ("Ethan", None), ("Olivia", Some("Liv")), ("Benjamin", Some("Ben")),
    ("Samuel", Some("Sam")), ("Katherine", Some("Kate")), ("Nicholas", Some("Nick")), ("Rebecca", Some("Becky")),
];

/// Family names, a few with the apostrophes, prefixes and hyphens that defeat naive matching.
#[rustfmt::skip]
pub(super) const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
    "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
    "Carter", "Roberts", "Evans", "Hughes", "Edwards", "Collins", "Stewart", "Morris",
    "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey",
    "O'Neil", "O'Brien", "O'Connor", "McDonald", "MacLeod", "McKenzie", "Fitzgerald", "Gallagher",
    "van der Berg", "de la Cruz", "Van Dyke", "DeMarco", "St. John", "Smith-Jones", "Lloyd-Webber", "Ap Rhys",
    "Patel", "Shah", "Singh", "Kumar", "Chen", "Wang", "Li", "Zhang",
    "Tanaka", "Suzuki", "Kim", "Park", "Müller", "Schmidt", "Fischer", "Weber",
    "Dubois", "Lefèvre", "Rossi", "Bianchi", "Kowalski", "Nowak", "Jensen", "Larsen",
    "Okafor", "Mensah", "Haddad", "Nasser", "Silva", "Santos", "Ferreira", "Costa",
];

/// A US town: (city, state code, state name, ZIP, in the west).
pub(super) type UsTown = (&'static str, &'static str, &'static str, &'static str, bool);

/// US towns. A West Coast customer's orders ship from the West Coast warehouse.
#[rustfmt::skip]
pub(super) const US_TOWNS: &[UsTown] = &[
    ("Seattle", "WA", "Washington", "98101", true), ("Portland", "OR", "Oregon", "97205", true),
    ("San Francisco", "CA", "California", "94103", true), ("Oakland", "CA", "California", "94612", true),
    ("Los Angeles", "CA", "California", "90012", true), ("San Diego", "CA", "California", "92101", true),
    ("Sacramento", "CA", "California", "95814", true), ("Reno", "NV", "Nevada", "89501", true),
    ("Boise", "ID", "Idaho", "83702", true), ("Salt Lake City", "UT", "Utah", "84111", true),
    ("Denver", "CO", "Colorado", "80202", true), ("Boulder", "CO", "Colorado", "80302", true),
    ("Phoenix", "AZ", "Arizona", "85004", true), ("Bend", "OR", "Oregon", "97701", true),
    ("Austin", "TX", "Texas", "78701", false), ("Dallas", "TX", "Texas", "75201", false),
    ("Houston", "TX", "Texas", "77002", false), ("Chicago", "IL", "Illinois", "60601", false),
    ("Minneapolis", "MN", "Minnesota", "55401", false), ("Madison", "WI", "Wisconsin", "53703", false),
    ("Nashville", "TN", "Tennessee", "37203", false), ("Atlanta", "GA", "Georgia", "30303", false),
    ("Asheville", "NC", "North Carolina", "28801", false), ("Raleigh", "NC", "North Carolina", "27601", false),
    ("Boston", "MA", "Massachusetts", "02108", false), ("Cambridge", "MA", "Massachusetts", "02139", false),
    ("Burlington", "VT", "Vermont", "05401", false), ("Portland", "ME", "Maine", "04101", false),
    ("New York", "NY", "New York", "10001", false), ("Brooklyn", "NY", "New York", "11201", false),
    ("Philadelphia", "PA", "Pennsylvania", "19103", false), ("Pittsburgh", "PA", "Pennsylvania", "15222", false),
    ("Washington", "DC", "District of Columbia", "20001", false), ("Richmond", "VA", "Virginia", "23219", false),
    ("Columbus", "OH", "Ohio", "43215", false), ("Ann Arbor", "MI", "Michigan", "48104", false),
    ("Miami", "FL", "Florida", "33131", false), ("Tampa", "FL", "Florida", "33602", false),
    ("Princeton", "NJ", "New Jersey", "08540", false), ("Hartford", "CT", "Connecticut", "06103", false),
];

/// A UK town: (town, county, postcode).
#[rustfmt::skip]
pub(super) const UK_TOWNS: &[(&str, &str, &str)] = &[
    ("Leeds", "West Yorkshire", "LS1 4AP"), ("York", "North Yorkshire", "YO1 7HH"),
    ("Manchester", "Greater Manchester", "M1 1AD"), ("Liverpool", "Merseyside", "L1 8JQ"),
    ("Bristol", "Bristol", "BS1 4DJ"), ("Bath", "Somerset", "BA1 1SU"),
    ("Exeter", "Devon", "EX1 1GE"), ("Norwich", "Norfolk", "NR2 1NH"),
    ("Cambridge", "Cambridgeshire", "CB2 3QF"), ("Oxford", "Oxfordshire", "OX1 2JD"),
    ("Brighton", "East Sussex", "BN1 1HA"), ("Sheffield", "South Yorkshire", "S1 2HH"),
    ("Kendal", "Cumbria", "LA9 4HE"), ("Keswick", "Cumbria", "CA12 5JR"),
    ("Edinburgh", "Midlothian", "EH1 1YZ"), ("Glasgow", "Lanarkshire", "G1 1XQ"),
    ("Inverness", "Highland", "IV1 1HY"), ("Fort William", "Highland", "PH33 6AN"),
    ("Cardiff", "South Glamorgan", "CF10 1EP"), ("Betws-y-Coed", "Conwy", "LL24 0AH"),
    ("Belfast", "County Antrim", "BT1 5GS"), ("London", "Greater London", "SE1 7PB"),
    ("London", "Greater London", "N1 9GU"), ("Nottingham", "Nottinghamshire", "NG1 2GR"),
];

/// Towns elsewhere: (ISO alpha-2, city, region, postcode).
#[rustfmt::skip]
pub(super) const OTHER_TOWNS: &[(&str, &str, &str, &str)] = &[
    ("CA", "Vancouver", "BC", "V6B 1A1"), ("CA", "Calgary", "AB", "T2P 1J9"),
    ("CA", "Toronto", "ON", "M5H 2N2"), ("IE", "Dublin", "Co. Dublin", "D02 X285"),
    ("IE", "Galway", "Co. Galway", "H91 E2K3"), ("DE", "München", "Bayern", "80331"),
    ("DE", "Berlin", "Berlin", "10115"), ("NL", "Utrecht", "Utrecht", "3511 AB"),
    ("FR", "Chamonix", "Haute-Savoie", "74400"), ("AU", "Hobart", "TAS", "7000"),
    ("NZ", "Queenstown", "Otago", "9300"), ("NO", "Tromsø", "Troms", "9008"),
];

/// Street names.
#[rustfmt::skip]
pub(super) const STREETS: &[&str] = &[
    "Maple", "Oak", "Pine", "Cedar", "Elm", "Willow", "Birch", "Aspen", "Juniper", "Spruce",
    "Hillside", "Lakeview", "River", "Meadow", "Forest", "Ridge", "Canyon", "Summit", "Valley", "Harbor",
    "Main", "High", "Church", "Station", "Mill", "Park", "Victoria", "King", "Queen", "Market",
];

/// US street suffixes as people write them (full and abbreviated).
pub(super) const US_SUFFIXES: &[&str] = &[
    "Street", "St", "St.", "Avenue", "Ave", "Road", "Rd", "Drive", "Dr.", "Lane", "Blvd", "Way",
];

/// UK street suffixes.
pub(super) const UK_SUFFIXES: &[&str] = &[
    "Road", "Street", "Lane", "Close", "Gardens", "Crescent", "Terrace", "Way", "Rd",
];

/// The reserved email domains people are given.
pub(super) const EMAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.net",
    "example.org",
    "mail.example.com",
    "inbox.example.net",
    "post.example.org",
];

/// Trade customers (independent outdoor shops and clubs): (name, market: "US" or "UK").
#[rustfmt::skip]
pub(super) const TRADE_CUSTOMERS: &[(&str, &str)] = &[
    ("Summit Supply Co.", "US"), ("Trailhead Outfitters", "US"), ("Blue Ridge Mountain Sports", "US"),
    ("Cascade Climbing Shop", "US"), ("High Desert Gear Exchange", "US"), ("Lakeside Paddle & Trail", "US"),
    ("Pine Hollow General Store", "US"), ("Rocky Gap Adventure Center", "US"), ("Northern Lights Ski & Hike", "US"),
    ("Big Sky Backcountry", "US"), ("Coastal Trail Running Club", "US"), ("Redwood Scouts Council", "US"),
    ("Appalachian Outpost", "US"), ("Glacier Point Provisions", "US"), ("Sawtooth Mountain Guides LLC", "US"),
    ("Cairngorm Hillwalking Supplies", "UK"), ("Lakeland Fell & Crag", "UK"), ("Peak District Outdoors Ltd", "UK"),
    ("Snowdonia Adventure Hire", "UK"), ("Dartmoor Trekking Co.", "UK"), ("Highland Bothy Shop", "UK"),
    ("Pennine Way Provisions", "UK"), ("Yorkshire Dales Climbing Wall", "UK"), ("Brecon Beacons Kit Room", "UK"),
];

/// Suppliers: (company, contact first name, last name, ISO alpha-2, what they make).
#[rustfmt::skip]
pub(super) const SUPPLIERS: &[(&str, &str, &str, &str, &str)] = &[
    ("Pacific Rim Textile Mills Ltd", "Grace", "Lin", "HK", "apparel"),
    ("Evergreen Footwear Manufacturing", "Marco", "Bellini", "IT", "footwear"),
    ("Kestrel Gear Co.", "Dana", "Whitfield", "US", "equipment"),
    ("Highland Wool Partners", "Fiona", "MacKay", "GB", "knitwear"),
    ("Cascade Packs & Shelters Inc.", "Owen", "Hartley", "US", "equipment"),
    ("Meridian Promotional Goods", "Sunita", "Rao", "US", "accessories"),
];

/// Staff the demo adds to the standard three: (first, last, job title, warehouse they work in).
pub(super) const STAFF: &[(&str, &str, &str, u64)] = &[
    ("Jordan", "Reyes", "Customer Service Lead", 2),
    ("Hamish", "Campbell", "UK Warehouse Supervisor", 4),
    ("Lupe", "Navarro", "West Coast Warehouse Lead", 3),
    ("Tom", "Becker", "Buyer", 2),
];
