//! Word lists: people's names, places, product names. Static, so generated strings are the only
//! per-entity allocations.

/// Given names from many cultures (ASCII, so usernames stay plain).
#[rustfmt::skip]
pub(super) const GIVEN: &[&str] = &[
    "Aaliyah", "Aarav", "Abebe", "Ada", "Adrian", "Aisha", "Akira", "Alejandro", "Alex", "Amara",
    "Amir", "Ana", "Anders", "Andrea", "Anika", "Anton", "Arjun", "Astrid", "Ayesha", "Beatriz",
    "Ben", "Bianca", "Bilal", "Bruno", "Camila", "Carlos", "Carmen", "Chen", "Chidi", "Chloe",
    "Clara", "Daniel", "Dara", "David", "Deepa", "Diego", "Dmitri", "Elena", "Elif", "Emeka",
    "Emil", "Emma", "Erik", "Esther", "Fatima", "Felix", "Femi", "Fiona", "Freya", "Gabriel",
    "Gita", "Grace", "Hana", "Hannah", "Hassan", "Ibrahim", "Ines", "Ingrid", "Isaac", "Ivan",
    "Jack", "Jamal", "James", "Jana", "Javier", "Jin", "Joao", "Jonas", "Jorge", "Julia", "Kai",
    "Karim", "Kate", "Kavya", "Kenji", "Kwame", "Lars", "Laura", "Leila", "Leo", "Liam", "Lina",
    "Luca", "Lucy", "Luis", "Maria", "Marco", "Mariam", "Mark", "Marta", "Mateo", "Maya", "Mehmet",
    "Mia", "Miguel", "Mina", "Mohammed", "Nadia", "Naomi", "Nikhil", "Nils", "Nora", "Olivia",
    "Omar", "Oscar", "Pablo", "Paula", "Pedro", "Peter", "Rachel", "Rahul", "Rosa", "Ruth",
    "Sakura", "Salma", "Samuel", "Sara", "Sebastian", "Shreya", "Sofia", "Sophie", "Sven",
    "Tariq", "Thomas", "Tomas", "Uma", "Valentina", "Victor", "Vikram", "Wanjiru", "Wei", "Xin",
    "Yara", "Yusuf", "Yuki", "Zainab", "Zara", "Zoe",
];

/// Family names from many cultures.
#[rustfmt::skip]
pub(super) const FAMILY: &[&str] = &[
    "Abe", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bauer", "Bell", "Bianchi", "Brown",
    "Castillo", "Chen", "Choi", "Cohen", "Costa", "Da Silva", "Dubois", "Dvorak", "Eriksson",
    "Evans", "Fernandes", "Fischer", "Garcia", "Goldberg", "Gomez", "Gupta", "Hansen", "Hassan",
    "Hoang", "Horvath", "Hughes", "Ibrahim", "Ivanova", "Jansen", "Jensen", "Johnson", "Kaur",
    "Khan", "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Li", "Lopez", "Lund", "Mahlaba",
    "Martin", "Mehta", "Moreau", "Morris", "Murphy", "Nakamura", "Nguyen", "Novak", "Nowak",
    "Nunez", "O'Brien", "Okafor", "Okonkwo", "Olsen", "Ortiz", "Park", "Patel", "Pereira",
    "Petrov", "Popescu", "Quinn", "Rahman", "Reyes", "Ricci", "Rossi", "Sato", "Schmidt",
    "Schneider", "Shah", "Silva", "Singh", "Smith", "Sokolov", "Suzuki", "Svensson", "Tanaka",
    "Taylor", "Tran", "Turner", "Van Dijk", "Vargas", "Wagner", "Walker", "Wang", "Weber",
    "Williams", "Wong", "Wu", "Yamamoto", "Yilmaz", "Young", "Zhang", "Zhou", "Zimmermann",
    "Achebe", "Bergstrom", "Demir", "Haddad", "Iyer", "Kovacs", "Mensah", "Nair", "Osei",
    "Rao", "Romero", "Sandoval", "Takahashi", "Vasquez",
];

/// (locality, region, country code), repeated entries weight the draw.
pub(super) const PLACES: &[(&str, &str, &str)] = &[
    ("Austin", "TX", "US"),
    ("Austin", "TX", "US"),
    ("Denver", "CO", "US"),
    ("Denver", "CO", "US"),
    ("New York", "NY", "US"),
    ("Seattle", "WA", "US"),
    ("Toronto", "ON", "CA"),
    ("Vancouver", "BC", "CA"),
    ("London", "ENG", "GB"),
    ("London", "ENG", "GB"),
    ("Dublin", "D", "IE"),
    ("Berlin", "BE", "DE"),
    ("Munich", "BY", "DE"),
    ("Paris", "IDF", "FR"),
    ("Amsterdam", "NH", "NL"),
    ("Krakow", "MA", "PL"),
    ("Bengaluru", "KA", "IN"),
    ("Singapore", "SG", "SG"),
    ("Sydney", "NSW", "AU"),
    ("Sao Paulo", "SP", "BR"),
    ("Tokyo", "13", "JP"),
    ("Lagos", "LA", "NG"),
];

/// The country code of the dynamic "Germany" group.
pub(super) const GERMANY: &str = "DE";

/// Names for applications beyond the curated ones (large environments).
#[rustfmt::skip]
pub(super) const SAAS: &[&str] = &[
    "Asana", "Atlassian Statuspage", "BambooHR", "Bitbucket", "Box", "Calendly", "Coupa",
    "Datadog", "DocuSign", "Dropbox", "Egnyte", "Expensify", "Figma", "Freshdesk", "Gong",
    "Greenhouse", "HubSpot", "Intercom", "Lucidchart", "Marketo", "Miro", "Monday", "Notion",
    "Okta Workflows", "PagerDuty", "Pendo", "Qualtrics", "Sentry", "ServiceNow", "Smartsheet",
    "Snowflake", "Splunk", "SurveyMonkey", "Trello", "Twilio", "Webex", "Zendesk", "Zscaler",
];

/// Words for internal tools and projects.
#[rustfmt::skip]
pub(super) const CODENAMES: &[&str] = &[
    "Aurora", "Basalt", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Indigo",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Onyx", "Pioneer", "Quartz", "Raven",
    "Sierra", "Tundra", "Umbra", "Vertex", "Willow", "Zephyr",
];

/// A long, realistic group description (kept once, not per entity).
pub(super) fn long_description() -> String {
    const PARAS: &[&str] = &[
        "The Data Governance Council owns the classification, retention and sharing rules for every \
         dataset Acme holds about customers, employees and partners. Members review new data \
         sources before they reach the lake, approve exceptions to the retention schedule, and \
         sign off the quarterly access review for the analytics platforms.",
        "Membership is granted by the Chief Data Officer on the recommendation of a department \
         head; it is reviewed every quarter and removed automatically when a member changes role. \
         Members must complete the annual privacy training and the data-handling attestation.",
        "Escalations: privacy incidents go to the Privacy team within one hour, security \
         incidents to the Incident Response rotation, and regulator requests to Commercial Legal. \
         Meeting notes, decisions and the exception register live on the intranet under \
         Governance > Data. Do not add service accounts to this group: use the dedicated worker \
         applications instead, which are audited separately.",
    ];
    let mut s = String::new();
    for round in 0..3 {
        for p in PARAS {
            if !s.is_empty() {
                s.push_str("\n\n");
            }
            s.push_str(p);
        }
        if round < 2 {
            s.push_str("\n\n(Repeated for the record as approved in the council charter.)");
        }
    }
    s
}
