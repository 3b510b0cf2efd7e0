"""Deterministic generator of the default catalog: an Estonian book and gift shop.

    python data/generate_catalog.py                      # writes data/catalog.parquet (the default)
    python data/generate_catalog.py --rows 100000 --out /tmp/catalog-100k.parquet

Real authors and their real works (Estonian classics and contemporaries, world authors in
Estonian translation and in English), editions of them at different prices, titles made from
genre vocabularies for the long tail, and gifts, toys, board games, stationery and home items.
Every common category has products in every 5-euro window from 0 to 100 EUR, so any budget a
shopper names there finds something. The same seed always gives the same rows.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_OUT = Path(__file__).with_name("catalog.parquet")
DEFAULT_ROWS = 3200
SEED = 20250117

BOOKS = "Raamatud"

# (author, Estonian title, English title or None, category, original language, famous)
WORKS: list[tuple[str, str, str | None, str, str, bool]] = [
    ("A. H. Tammsaare", "Tõde ja õigus I", "Truth and Justice I", "Eesti klassika", "et", True),
    ("A. H. Tammsaare", "Tõde ja õigus II", "Truth and Justice II", "Eesti klassika", "et", False),
    ("A. H. Tammsaare", "Põrgupõhja uus Vanapagan", "The Misadventures of the New Satan",
     "Eesti klassika", "et", True),
    ("A. H. Tammsaare", "Kõrboja peremees", "The Master of Kõrboja", "Eesti klassika", "et", False),
    ("A. H. Tammsaare", "Elu ja armastus", None, "Romantika", "et", False),
    ("A. H. Tammsaare", "Ma armastasin sakslast", "I Loved a German", "Romantika", "et", False),
    ("Oskar Luts", "Kevade", "Spring", "Eesti klassika", "et", True),
    ("Oskar Luts", "Suvi", "Summer", "Eesti klassika", "et", False),
    ("Oskar Luts", "Sügis", None, "Eesti klassika", "et", False),
    ("Oskar Luts", "Tootsi pulm", None, "Huumor", "et", False),
    ("Oskar Luts", "Nukitsamees", None, "Lasteraamatud", "et", True),
    ("Oskar Luts", "Kapsapea", None, "Huumor", "et", False),
    ("Jaan Kross", "Keisri hull", "The Czar's Madman", "Ajalugu", "et", True),
    ("Jaan Kross", "Professor Martensi ärasõit", "Professor Martens' Departure", "Ajalugu", "et",
     False),
    ("Jaan Kross", "Kolme katku vahel", "Between Three Plagues", "Ajalugu", "et", False),
    ("Jaan Kross", "Paigallend", "Treading Air", "Eesti klassika", "et", False),
    ("Andrus Kivirähk", "Rehepapp ehk November", "The Old Barny", "Fantaasia", "et", True),
    ("Andrus Kivirähk", "Mees, kes teadis ussisõnu", "The Man Who Spoke Snakish", "Fantaasia", "et",
     True),
    ("Andrus Kivirähk", "Kaka ja kevad", None, "Lasteraamatud", "et", False),
    ("Andrus Kivirähk", "Limpa ja mereröövlid", None, "Lasteraamatud", "et", False),
    ("Andrus Kivirähk", "Leiutajateküla Lotte", "Lotte from Gadgetville", "Lasteraamatud", "et",
     True),
    ("Andrus Kivirähk", "Sirli, Siim ja saladused", None, "Lasteraamatud", "et", False),
    ("Andrus Kivirähk", "Karneval ja kartulisalat", None, "Huumor", "et", False),
    ("Leelo Tungal", "Seltsimees laps ja suured inimesed", "Comrade Kid and Grown-Ups",
     "Elulood", "et", True),
    ("Leelo Tungal", "Samet ja saepuru", "Velvet and Sawdust", "Elulood", "et", False),
    ("Leelo Tungal", "Barbara ja suvekoerad", None, "Lasteraamatud", "et", False),
    ("Eduard Vilde", "Mahtra sõda", "The War in Mahtra", "Eesti klassika", "et", False),
    ("Eduard Vilde", "Pisuhänd", None, "Huumor", "et", False),
    ("Lydia Koidula", "Emajõe ööbik", None, "Luule", "et", False),
    ("Juhan Liiv", "Luuletused", None, "Luule", "et", False),
    ("Marie Under", "Sonetid", None, "Luule", "et", False),
    ("Jaan Kaplinski", "Õhtu toob tagasi kõik", "Evening Brings Everything Back", "Luule", "et",
     False),
    ("Doris Kareva", "Armuaeg", None, "Luule", "et", False),
    ("Kristiina Ehin", "Kaitseala", None, "Luule", "et", False),
    ("Hando Runnel", "Mõtsa vaim", None, "Luule", "et", False),
    ("Indrek Hargla", "Apteeker Melchior ja Oleviste mõistatus",
     "Apothecary Melchior and the Mystery of St Olaf's Church", "Krimi", "et", True),
    ("Indrek Hargla", "Apteeker Melchior ja Rataskaevu viirastus",
     "Apothecary Melchior and the Ghost of Rataskaevu", "Krimi", "et", False),
    ("Indrek Hargla", "Apteeker Melchior ja timuka tütar", None, "Krimi", "et", False),
    ("Aino Pervik", "Arabella, mereröövli tütar", None, "Lasteraamatud", "et", True),
    ("Aino Pervik", "Kunksmoor", None, "Lasteraamatud", "et", False),
    ("Eno Raud", "Naksitrallid", None, "Lasteraamatud", "et", True),
    ("Eno Raud", "Sipsik", None, "Lasteraamatud", "et", False),
    ("Karl Ristikivi", "Hingede öö", "The Night of Souls", "Eesti klassika", "et", False),
    ("Viivi Luik", "Seitsmes rahukevad", "The Seventh Spring of Peace", "Eesti klassika", "et",
     False),
    ("Tõnu Õnnepalu", "Piiririik", "Border State", "Eesti klassika", "et", False),
    ("Sofi Oksanen", "Puhastus", "Purge", "Ajalugu", "fi", True),
    ("Friedebert Tuglas", "Väike Illimar", None, "Eesti klassika", "et", False),
    ("Agatha Christie", "Mõrv Idaekspressis", "Murder on the Orient Express", "Krimi", "en", True),
    ("Agatha Christie", "Ja ei jäänud kedagi", "And Then There Were None", "Krimi", "en", True),
    ("Agatha Christie", "Roger Ackroydi mõrv", "The Murder of Roger Ackroyd", "Krimi", "en", False),
    ("Arthur Conan Doyle", "Baskerville'ide koer", "The Hound of the Baskervilles", "Krimi", "en",
     True),
    ("Arthur Conan Doyle", "Sherlock Holmesi seiklused", "The Adventures of Sherlock Holmes",
     "Krimi", "en", False),
    ("Jo Nesbø", "Lumememm", "The Snowman", "Krimi", "no", True),
    ("Stieg Larsson", "Lohetätoveeringuga tüdruk", "The Girl with the Dragon Tattoo", "Krimi", "sv",
     False),
    ("J. R. R. Tolkien", "Kääbik", "The Hobbit", "Fantaasia", "en", True),
    ("J. R. R. Tolkien", "Sõrmuste isand", "The Lord of the Rings", "Fantaasia", "en", True),
    ("J. K. Rowling", "Harry Potter ja tarkade kivi", "Harry Potter and the Philosopher's Stone",
     "Fantaasia", "en", True),
    ("J. K. Rowling", "Harry Potter ja saladuste kamber", "Harry Potter and the Chamber of Secrets",
     "Fantaasia", "en", False),
    ("J. K. Rowling", "Harry Potter ja Azkabani vang", "Harry Potter and the Prisoner of Azkaban",
     "Fantaasia", "en", False),
    ("George R. R. Martin", "Troonide mäng", "A Game of Thrones", "Fantaasia", "en", True),
    ("Terry Pratchett", "Värvide võlu", "The Colour of Magic", "Fantaasia", "en", False),
    ("Ursula K. Le Guin", "Meremaa võlur", "A Wizard of Earthsea", "Fantaasia", "en", False),
    ("Frank Herbert", "Düün", "Dune", "Ulme", "en", True),
    ("Isaac Asimov", "Asum", "Foundation", "Ulme", "en", False),
    ("Andy Weir", "Marslane", "The Martian", "Ulme", "en", False),
    ("Stanisław Lem", "Solaris", "Solaris", "Ulme", "pl", False),
    ("Astrid Lindgren", "Pipi Pikksukk", "Pippi Longstocking", "Lasteraamatud", "sv", True),
    ("Astrid Lindgren", "Vennad Lõvisüdamed", "The Brothers Lionheart", "Lasteraamatud", "sv",
     False),
    ("Astrid Lindgren", "Meisterdetektiiv Blomkvist", "Bill Bergson, Master Detective",
     "Lasteraamatud", "sv", False),
    ("Tove Jansson", "Muumitroll ja komeet", "Comet in Moominland", "Lasteraamatud", "sv", False),
    ("Roald Dahl", "Charlie ja šokolaadivabrik", "Charlie and the Chocolate Factory",
     "Lasteraamatud", "en", True),
    ("Roald Dahl", "Matilda", "Matilda", "Lasteraamatud", "en", False),
    ("Antoine de Saint-Exupéry", "Väike prints", "The Little Prince", "Lasteraamatud", "fr", True),
    ("Suzanne Collins", "Näljamängud", "The Hunger Games", "Noorteraamatud", "en", True),
    ("John Green", "Süü on tähtedes", "The Fault in Our Stars", "Noorteraamatud", "en", False),
    ("Jane Austen", "Uhkus ja eelarvamus", "Pride and Prejudice", "Romantika", "en", True),
    ("Charlotte Brontë", "Jane Eyre", "Jane Eyre", "Romantika", "en", False),
    ("Jojo Moyes", "Mina enne sind", "Me Before You", "Romantika", "en", False),
    ("Nicholas Sparks", "Märkmik", "The Notebook", "Romantika", "en", False),
    ("Sally Rooney", "Normaalsed inimesed", "Normal People", "Romantika", "en", False),
    ("Lev Tolstoi", "Anna Karenina", "Anna Karenina", "Romantika", "ru", False),
    ("Fjodor Dostojevski", "Kuritöö ja karistus", "Crime and Punishment", "Eesti klassika", "ru",
     False),
    ("George Orwell", "1984", "Nineteen Eighty-Four", "Ulme", "en", True),
    ("George Orwell", "Loomade farm", "Animal Farm", "Eesti klassika", "en", False),
    ("Umberto Eco", "Roosi nimi", "The Name of the Rose", "Krimi", "it", False),
    ("Yuval Noah Harari", "Sapiens. Inimkonna lühiajalugu", "Sapiens: A Brief History of Humankind",
     "Ajalugu", "en", True),
    ("Yuval Noah Harari", "Homo Deus", "Homo Deus", "Teadus", "en", False),
    ("Mary Beard", "SPQR. Vana-Rooma ajalugu", "SPQR: A History of Ancient Rome", "Ajalugu", "en",
     False),
    ("Stephen Hawking", "Aja lühilugu", "A Brief History of Time", "Teadus", "en", True),
    ("Carl Sagan", "Kosmos", "Cosmos", "Teadus", "en", False),
    ("Richard Dawkins", "Isekas geen", "The Selfish Gene", "Teadus", "en", False),
    ("Bill Bryson", "Peaaegu kõige lühiajalugu", "A Short History of Nearly Everything", "Teadus",
     "en", False),
    ("Yotam Ottolenghi", "Lihtne", "Simple", "Kokaraamatud", "en", False),
    ("Yotam Ottolenghi", "Jeruusalemm", "Jerusalem", "Kokaraamatud", "en", False),
    ("Jamie Oliver", "5 koostisosa", "5 Ingredients", "Kokaraamatud", "en", True),
    ("Nigella Lawson", "Kuidas süüa", "How to Eat", "Kokaraamatud", "en", False),
    ("Wisława Szymborska", "Valitud luuletused", "Selected Poems", "Luule", "pl", False),
    ("William Shakespeare", "Sonetid", "Sonnets", "Luule", "en", False),
    ("Pablo Neruda", "Kakskümmend armastusluuletust", "Twenty Love Poems", "Luule", "es", False),
    ("Michelle Obama", "Minu lugu", "Becoming", "Elulood", "en", True),
    ("Walter Isaacson", "Steve Jobs", "Steve Jobs", "Elulood", "en", False),
    ("Bill Bryson", "Väikese saare märkmed", "Notes from a Small Island", "Reisimine", "en", False),
]

COMMON_BOOK_CATEGORIES = [
    "Krimi", "Fantaasia", "Ulme", "Kokaraamatud", "Luule", "Lasteraamatud", "Noorteraamatud",
    "Ajalugu", "Romantika", "Teadus", "Eesti klassika", "Elulood",
]
OTHER_BOOK_CATEGORIES = ["Reisimine", "Eneseareng", "Huumor"]

CATEGORY_EN = {
    "Krimi": "crime", "Fantaasia": "fantasy", "Ulme": "science fiction",
    "Kokaraamatud": "cookbook", "Luule": "poetry", "Lasteraamatud": "children's book",
    "Noorteraamatud": "young adult", "Ajalugu": "history", "Romantika": "romance",
    "Teadus": "popular science", "Eesti klassika": "Estonian classic", "Elulood": "biography",
    "Reisimine": "travel", "Eneseareng": "self-help", "Huumor": "humour",
}

# Sentences about a book of each category, in Estonian and English.
ABOUT = {
    "Krimi": (["Pingeline krimilugu, kus uurija peab lahendama mõistatusliku mõrva.",
               "Põnevik, mis hoiab lugejat viimase leheküljeni ärevil.",
               "Detektiivilugu varjatud saladuste ja ootamatu lõpplahendusega."],
              ["A gripping crime story in which a detective must solve a baffling murder.",
               "A thriller that keeps the reader on edge until the last page.",
               "A detective mystery of hidden secrets and a twist at the end."]),
    "Fantaasia": (["Fantaasiaromaan võluritest, draakonitest ja kaugetest maailmadest.",
                   "Maagiline seiklus, kus vaprad kangelased seisavad vastu pimedusele.",
                   "Muinasjutuline lugu, mis põimib rahvapärimuse ja võlukunsti."],
                  ["A fantasy novel of wizards, dragons and faraway worlds.",
                   "A magical adventure in which brave heroes stand against the dark.",
                   "A fairy-tale story woven from folklore and magic."]),
    "Ulme": (["Ulmeromaan tulevikust, kosmosest ja tehnoloogia hinnast.",
              "Kosmoseseiklus, mis küsib, mida tähendab olla inimene."],
             ["A science fiction novel about the future, space and the price of technology.",
              "A space adventure asking what it means to be human."]),
    "Kokaraamatud": (["Kokaraamat lihtsate ja maitsvate retseptidega igaks päevaks.",
                      "Retseptid hooajalisest toorainest, samm-sammult juhistega.",
                      "Köögiraamat, mis toob lauale pidulikud road ja kodused maitsed."],
                     ["A cookbook of simple, tasty recipes for every day.",
                      "Recipes from seasonal produce with step-by-step instructions.",
                      "A kitchen book of festive dishes and home cooking."]),
    "Luule": (["Luulekogu armastusest, loodusest ja ajast.",
               "Valik luuletusi, mis sobivad lugeda aeglaselt ja korduvalt."],
              ["A collection of poems about love, nature and time.",
               "A selection of poems to read slowly and again."]),
    "Lasteraamatud": (["Soe ja naljakas lasteraamat, mida on mõnus ette lugeda.",
                       "Lasteraamat sõprusest ja seiklustest, värviliste piltidega.",
                       "Muinasjutt, mis sobib unejutuks ja esimeseks iseseisvaks lugemiseks."],
                      ["A warm and funny children's book to read aloud.",
                       "A children's book about friendship and adventure, with colour pictures.",
                       "A fairy tale for bedtime and for first reading alone."]),
    "Noorteraamatud": (["Noorteraamat kasvamisest, sõprusest ja esimesest armastusest.",
                        "Põnev noortelugu, mis räägib julgusest ja valikutest."],
                       ["A young adult novel about growing up, friendship and first love.",
                        "An exciting story for teens about courage and choices."]),
    "Ajalugu": (["Ajalooraamat, mis toob mineviku sündmused elavalt lugeja ette.",
                 "Ajalooline romaan Eesti ja Euroopa pöördelistest aegadest."],
                ["A history book that brings the past vividly to life.",
                 "A historical novel of turbulent times in Estonia and Europe."]),
    "Romantika": (["Romantiline lugu armastusest, mis ületab kõik takistused.",
                   "Armastusromaan kirest, kahtlustest ja teisest võimalusest."],
                  ["A romantic story of a love that overcomes every obstacle.",
                   "A love story of passion, doubt and second chances."]),
    "Teadus": (["Populaarteaduslik raamat, mis selgitab keerulisi asju lihtsalt.",
                "Teadusraamat universumist, elust ja inimese ajust."],
               ["A popular science book that explains hard things simply.",
                "A science book about the universe, life and the human brain."]),
    "Eesti klassika": (["Eesti kirjanduse klassika, mida loetakse põlvest põlve.",
                        "Eesti klassikaline romaan külaelust, tööst ja õiglusest."],
                       ["A classic of Estonian literature, read from generation to generation.",
                        "A classic Estonian novel of village life, work and justice."]),
    "Elulood": (["Elulooraamat, mis jutustab ausalt ühe inimese teekonnast.",
                 "Mälestused lapsepõlvest ja ajast, mis kujundas terve põlvkonna."],
                ["A biography that honestly tells one person's journey.",
                 "Memoirs of a childhood and the times that shaped a generation."]),
    "Reisimine": (["Reisiraamat kaugetest maadest ja lähedastest kohtadest."],
                  ["A travel book about faraway lands and places close to home."]),
    "Eneseareng": (["Praktiline raamat harjumustest, tähelepanust ja heaolust."],
                   ["A practical book about habits, attention and wellbeing."]),
    "Huumor": (["Naljakas raamat, mis paneb lugeja valjult naerma."],
               ["A funny book that makes the reader laugh out loud."]),
}

# Vocabularies for the long tail of genre titles: (Estonian nouns, English nouns) per category.
TITLE_WORDS = {
    "Krimi": (["Mõrv", "Vari", "Saladus", "Surm", "Tunnistaja", "Jälg", "Kuritöö", "Juhtum"],
              ["Murder", "Shadow", "Secret", "Death", "Witness", "Trail", "Crime", "Case"]),
    "Fantaasia": (["Draakon", "Võlur", "Kroon", "Mõõk", "Loits", "Torn", "Kuningriik"],
                  ["Dragon", "Wizard", "Crown", "Sword", "Spell", "Tower", "Kingdom"]),
    "Ulme": (["Tähed", "Planeet", "Laev", "Signaal", "Koloonia", "Masin"],
             ["Stars", "Planet", "Ship", "Signal", "Colony", "Machine"]),
    "Kokaraamatud": (["Kodune köök", "Suvised road", "Jõulutoidud", "Leib ja saiad", "Supid",
                      "Magustoidud"],
                     ["Home Kitchen", "Summer Dishes", "Christmas Food", "Breads", "Soups",
                      "Desserts"]),
    "Luule": (["Laulud", "Tuul", "Valgus", "Vaikus", "Kevadööd", "Meri"],
              ["Songs", "Wind", "Light", "Silence", "Spring Nights", "Sea"]),
    "Lasteraamatud": (["Siil", "Jänes", "Rebane", "Karu", "Päkapikk", "Kass", "Nõid"],
                      ["Hedgehog", "Hare", "Fox", "Bear", "Elf", "Cat", "Witch"]),
    "Noorteraamatud": (["Suvi", "Sõbrad", "Saladus", "Tormi", "Klassiõde", "Lend"],
                       ["Summer", "Friends", "Secret", "Storm", "Classmate", "Flight"]),
    "Ajalugu": (["Sõda", "Linnus", "Kuningad", "Hansa", "Mõis", "Rahvas"],
                ["War", "Castle", "Kings", "Hansa", "Manor", "People"]),
    "Romantika": (["Armastus", "Süda", "Suvi", "Kiri", "Unistus", "Pulm"],
                  ["Love", "Heart", "Summer", "Letter", "Dream", "Wedding"]),
    "Teadus": (["Universum", "Aju", "Geenid", "Kliima", "Aatom", "Evolutsioon"],
               ["Universe", "Brain", "Genes", "Climate", "Atom", "Evolution"]),
    "Eesti klassika": (["Küla", "Talu", "Rukkipõld", "Soo", "Kodu", "Meri"],
                       ["Village", "Farm", "Rye Field", "Bog", "Home", "Sea"]),
    "Elulood": (["Elu", "Teekond", "Mälestused", "Päevad", "Aastad"],
                ["Life", "Journey", "Memories", "Days", "Years"]),
    "Reisimine": (["Teekond", "Saared", "Mäed", "Rannik"], ["Journey", "Islands", "Mountains",
                                                           "Coast"]),
    "Eneseareng": (["Harjumused", "Rahu", "Tähelepanu", "Tasakaal"],
                   ["Habits", "Calm", "Attention", "Balance"]),
    "Huumor": (["Naljad", "Apsakad", "Lõbus küla"], ["Jokes", "Blunders", "Funny Village"]),
}
PLACES_ET = ["Toompeal", "Tartus", "Pärnus", "Kalamajas", "Saaremaal", "Hiiumaal", "Narvas",
             "Viljandis", "rabas", "sadamas", "vanalinnas", "metsas"]
PLACES_EN = ["Tallinn", "Tartu", "Pärnu", "Kalamaja", "Saaremaa", "Hiiumaa", "the Bog",
             "the Harbour", "the Old Town", "the Forest"]
ADJ_ET = ["Viimane", "Kadunud", "Vaikne", "Must", "Kuldne", "Salajane", "Pikk", "Hõbedane"]
ADJ_EN = ["Last", "Lost", "Silent", "Black", "Golden", "Secret", "Long", "Silver"]

FIRST_ET = ["Mari", "Kadri", "Liis", "Anu", "Piret", "Kristjan", "Mihkel", "Tiit", "Jaanus",
            "Katrin", "Triin", "Rein", "Marko", "Helen", "Kertu", "Siim", "Urmas", "Elo"]
LAST_ET = ["Tamm", "Saar", "Sepp", "Kask", "Mägi", "Kuusk", "Rebane", "Ilves", "Lepik",
           "Kukk", "Põder", "Pärn", "Oja", "Mets", "Raudsepp", "Luik", "Kallas", "Vaher"]
FIRST_EN = ["Emma", "Oliver", "Sophie", "James", "Clara", "Henry", "Alice", "Thomas", "Ruth",
            "Daniel", "Grace", "Samuel"]
LAST_EN = ["Hart", "Wells", "Fisher", "Morgan", "Hale", "Brooks", "Carter", "Lane", "Reed",
           "Stone", "Ward", "Blake"]

# (edition name in Estonian, in English, price range in EUR)
EDITIONS = [
    ("e-raamat", "e-book", (2.5, 5.0)),
    ("taskuraamat", "pocket edition", (4.9, 9.9)),
    ("pehmekaaneline", "paperback", (9.9, 21.0)),
    ("kõvakaaneline", "hardcover", (18.0, 35.0)),
    ("audioraamat", "audiobook", (12.0, 28.0)),
    ("illustreeritud kinkeväljaanne", "illustrated gift edition", (35.0, 65.0)),
    ("kogujaväljaanne nahkköites", "collector's leather-bound edition", (60.0, 130.0)),
]

BOOK_AGES = {
    "Lasteraamatud": [(3, 6), (5, 9), (7, 12)], "Noorteraamatud": [(12, 18)],
    "Fantaasia": [(10, None), (12, None), (14, None)], "Ulme": [(12, None), (14, None)],
    "Teadus": [(10, None), (14, None)], "Ajalugu": [(12, None), (14, None)],
    "Luule": [(8, None), (14, None)], "Huumor": [(10, None), (14, None)],
    "Kokaraamatud": [(12, None)], "Reisimine": [(12, None)],
}
GIFT_HINTS_ET = ["Sobib kingituseks emale, isale või sõbrale.", "Hea sünnipäevakink.",
                 "Ilus jõulukink raamatusõbrale.", "Sobib kingiks õpetajale."]
GIFT_HINTS_EN = ["A lovely gift for a mother, father or friend.", "A good birthday present.",
                 "A fine Christmas gift for a book lover.", "A thoughtful gift for a teacher."]

# Non-book products: type -> category -> (Estonian name templates, English, price range, ages)
GOODS: dict[str, dict[str, tuple[list[str], list[str], tuple[float, float], tuple[int, int] | None]]] = {
    "Kingitused": {
        "Kinkekomplektid": (["Raamatusõbra kinkekomplekt {m}", "Teeõhtu kinkekarp {m}",
                             "Spaa kinkekomplekt {m}", "Šokolaadi kinkekarp {m}"],
                            ["Book lover's gift set {m}", "Tea evening gift box {m}",
                             "Spa gift set {m}", "Chocolate gift box {m}"], (8.0, 140.0), None),
        "Suveniirid": (["Magnet {m}", "Puidust meene {m}", "Võtmehoidja {m}"],
                       ["Fridge magnet {m}", "Wooden keepsake {m}", "Keyring {m}"],
                       (3.0, 35.0), None),
        "Ehted": (["Hõbedast kaelakee {m}", "Käevõru {m}", "Kõrvarõngad {m}"],
                  ["Silver necklace {m}", "Bracelet {m}", "Earrings {m}"], (15.0, 150.0), None),
        "Kinkekaardid": (["Kinkekaart {p} €"], ["Gift card {p} €"], (10.0, 100.0), None),
    },
    "Kodukaubad": {
        "Kruusid": (["Kruus {m}", "Portselankruus {m}", "Termokruus {m}"],
                    ["Mug {m}", "Porcelain mug {m}", "Travel mug {m}"], (6.0, 35.0), None),
        "Küünlad": (["Lõhnaküünal {s}", "Sojavahast küünal {s}", "Küünlakomplekt {s}"],
                    ["Scented candle {s}", "Soy wax candle {s}", "Candle set {s}"],
                    (5.0, 45.0), None),
        "Tekstiil": (["Villane pleed {m}", "Linane köögirätik {m}", "Sall {m}"],
                     ["Wool throw {m}", "Linen tea towel {m}", "Scarf {m}"], (9.0, 120.0), None),
        "Kodudekoor": (["Puidust kaunistus {m}", "Keraamiline vaas {m}", "Seinapilt {m}"],
                       ["Wooden ornament {m}", "Ceramic vase {m}", "Wall print {m}"],
                       (6.0, 90.0), None),
    },
    "Mänguasjad": {
        "Pehmed mänguasjad": (["Kaisukaru {a}", "Pehme rebane {a}", "Kaisujänes {a}"],
                              ["Teddy bear {a}", "Plush fox {a}", "Soft bunny {a}"],
                              (7.0, 45.0), (0, 8)),
        "Pusled": (["Pusle {n} tk {m}"], ["Jigsaw puzzle {n} pieces {m}"], (6.0, 40.0), (5, 99)),
        "Konstruktorid": (["Ehitusklotsid {m}", "Puidust konstruktor {m}"],
                          ["Building blocks {m}", "Wooden construction set {m}"],
                          (10.0, 120.0), (4, 12)),
        "Loovus": (["Joonistamiskomplekt {m}", "Meisterdamise komplekt {m}"],
                   ["Drawing set {m}", "Craft kit {m}"], (6.0, 45.0), (4, 14)),
    },
    "Lauamängud": {
        "Peremängud": (["{g}"], ["{g}"], (12.0, 60.0), (6, 99)),
        "Strateegiamängud": (["{g}"], ["{g}"], (25.0, 95.0), (10, 99)),
        "Kaardimängud": (["{g}"], ["{g}"], (6.0, 25.0), (7, 99)),
        "Lastemängud": (["{g}"], ["{g}"], (8.0, 35.0), (3, 8)),
    },
    "Kirjatarbed": {
        "Märkmikud": (["Märkmik {m}", "Päevik {m}"], ["Notebook {m}", "Journal {m}"],
                      (3.0, 30.0), None),
        "Kalendrid": (["Seinakalender {m}", "Taskukalender {m}"],
                      ["Wall calendar {m}", "Pocket planner {m}"], (4.0, 25.0), None),
        "Kirjutusvahendid": (["Täitesulepea {m}", "Pliiatsikomplekt {m}", "Pastakas {m}"],
                             ["Fountain pen {m}", "Pencil set {m}", "Ballpoint pen {m}"],
                             (2.0, 90.0), None),
    },
}
GAMES = {
    "Peremängud": ["Alias", "Dixit", "Kingdomino", "Ticket to Ride", "Carcassonne", "Azul",
                   "Codenames", "Scrabble", "Monopol Eesti"],
    "Strateegiamängud": ["Catan", "Wingspan", "Terraforming Mars", "Pandemic", "7 Wonders",
                         "Agricola"],
    "Kaardimängud": ["Uno", "Dobble", "Exploding Kittens", "Skip-Bo", "Sushi Go!"],
    "Lastemängud": ["Mälumäng loomad", "Kummituste trepp", "Võta kinni, kass!", "Väike mesilane"],
}
MOTIFS = ["Tallinna vanalinn", "rukkilill", "kass", "põhjapõder", "Muhu muster", "raamatusõber",
          "Tartu", "kodulind pääsuke", "meri", "metsamustrid", "jõulud", "talveöö", "kevad"]
SCENTS = ["lavendel", "kaneel", "vanill", "mänd", "meresool", "apelsin", "kask", "mesi"]
ANIMAL_NAMES = ["Mõmmi", "Tuks", "Lotte", "Sipsik", "Muri", "Pähkel"]
GOOD_ABOUT_ET = {
    "Kingitused": "Kingitus, millega rõõmustada sõpra, kolleegi või pereliiget.",
    "Kodukaubad": "Hubane asi koju, sobib kingituseks ka iseendale.",
    "Mänguasjad": "Mänguasi, mis arendab lapse loovust ja meelitab mängima.",
    "Lauamängud": "Lauamäng kogu perele ja sõpradele, toredateks mänguõhtuteks.",
    "Kirjatarbed": "Kirjatarve, mis teeb kirjutamise ja planeerimise mõnusaks.",
}
GOOD_ABOUT_EN = {
    "Kingitused": "A gift to delight a friend, a colleague or family.",
    "Kodukaubad": "A cosy thing for the home, and a fine present for yourself.",
    "Mänguasjad": "A toy that sparks a child's creativity and invites play.",
    "Lauamängud": "A board game for the whole family and friends, for good game nights.",
    "Kirjatarbed": "Stationery that makes writing and planning a pleasure.",
}

COLUMNS = ["id", "title", "author", "description", "product_type", "category", "language",
           "age_min", "age_max", "price", "in_popular_list", "image_url"]


def _price(rng: random.Random, low: float, high: float) -> float:
    """A shop-like price (ending in .99, .49 or .90) drawn log-uniformly from [low, high]."""
    raw = low * (high / low) ** rng.random()
    cents = rng.choice([0.99, 0.49, 0.90])
    return round(max(1.0, int(raw) + cents if int(raw) + cents <= high else raw), 2)


def _window_price(rng: random.Random, low: int) -> float:
    """A shop-like price in the window (low, low + 5]."""
    return round(low + rng.choice([0.99, 1.49, 2.49, 2.99, 3.49, 3.99, 4.49, 4.99]), 2)


def _edition_for(price: float) -> tuple[str, str]:
    for et, en, (low, high) in EDITIONS:
        if low <= price <= high:
            return et, en
    return EDITIONS[-1][0], EDITIONS[-1][1]


def _book(rng: random.Random, title_et: str, title_en: str | None, author: str, category: str,
          language: str, edition: tuple[str, str, tuple[float, float]] | None = None,
          price: float | None = None, popular: bool = False) -> dict:
    if price is None:
        edition = edition or rng.choice(EDITIONS[1:5])
        price = _price(rng, *edition[2])
    ed_et, ed_en = _edition_for(price) if edition is None else edition[:2]
    ages = rng.choice(BOOK_AGES.get(category, [(14, None)]))
    if language == "en" and title_en:
        title = title_en
        about = rng.choice(ABOUT[category][1])
        other = f" (Estonian title „{title_et}“)" if title_et != title_en else ""
        description = f"{title} by {author}, {ed_en}{other}. {about} {rng.choice(GIFT_HINTS_EN)}"
    else:
        language, title = "et", title_et
        about = rng.choice(ABOUT[category][0])
        other = f" (inglise keeles „{title_en}“)" if title_en and title_en != title_et else ""
        description = f"{author} „{title}“, {ed_et}{other}. {about} {rng.choice(GIFT_HINTS_ET)}"
    return {
        "title": title, "author": author, "description": description, "product_type": BOOKS,
        "category": category, "language": language, "age_min": ages[0], "age_max": ages[1],
        "price": price, "in_popular_list": popular, "image_url": None,
    }


def _genre_title(rng: random.Random, category: str, language: str) -> str:
    nouns_et, nouns_en = TITLE_WORDS[category]
    if language == "en":
        pattern = rng.randrange(3)
        noun = rng.choice(nouns_en)
        if pattern == 0:
            return f"The {rng.choice(ADJ_EN)} {noun}"
        if pattern == 1:
            return f"{noun} in {rng.choice(PLACES_EN)}"
        return f"The {noun} of {rng.choice(PLACES_EN)}"
    pattern = rng.randrange(3)
    noun = rng.choice(nouns_et)
    if pattern == 0:
        return f"{rng.choice(ADJ_ET)} {noun.lower()}"
    if pattern == 1:
        return f"{noun} {rng.choice(PLACES_ET)}"
    return f"{noun} ja {rng.choice(nouns_et).lower()}"


def _fictional_author(rng: random.Random, language: str) -> str:
    if language == "en":
        return f"{rng.choice(FIRST_EN)} {rng.choice(LAST_EN)}"
    return f"{rng.choice(FIRST_ET)} {rng.choice(LAST_ET)}"


def _long_tail_book(rng: random.Random, category: str | None = None,
                    price: float | None = None) -> dict:
    category = category or rng.choice(COMMON_BOOK_CATEGORIES + OTHER_BOOK_CATEGORIES)
    language = "en" if rng.random() < 0.3 else "et"
    title = _genre_title(rng, category, language)
    author = _fictional_author(rng, language)
    return _book(rng, title, title, author, category, language, price=price,
                 popular=rng.random() < 0.05)


def _good(rng: random.Random, product_type: str, category: str,
          price: float | None = None) -> dict:
    names_et, names_en, (low, high), ages = GOODS[product_type][category]
    language = "en" if rng.random() < 0.2 else "et"
    if price is None:
        price = _price(rng, low, high)
    i = rng.randrange(len(names_et))
    fill = {"m": rng.choice(MOTIFS), "s": rng.choice(SCENTS), "a": rng.choice(ANIMAL_NAMES),
            "n": rng.choice([100, 500, 1000, 1500]),
            "g": rng.choice(GAMES.get(category, [""])), "p": int(round(price))}
    if category == "Kinkekaardid":
        price = float(rng.choice([10, 15, 20, 25, 30, 50, 75, 100]))
        fill["p"] = int(price)
    template = names_en[i] if language == "en" else names_et[i]
    title = template.format(**fill)
    about = (GOOD_ABOUT_EN if language == "en" else GOOD_ABOUT_ET)[product_type]
    gift = rng.choice(GIFT_HINTS_EN if language == "en" else GIFT_HINTS_ET)
    age_min, age_max = (ages if ages else (None, None))
    if age_max == 99:
        age_max = None
    return {
        "title": title, "author": None, "description": f"{title}. {about} {gift}",
        "product_type": product_type, "category": category, "language": language,
        "age_min": age_min, "age_max": age_max, "price": price,
        "in_popular_list": rng.random() < 0.1, "image_url": None,
    }


def _base_rows(rng: random.Random) -> Iterator[dict]:
    # Every real work in its editions: Estonian always, English where it exists.
    for author, title_et, title_en, category, _original, famous in WORKS:
        for i, edition in enumerate(rng.sample(EDITIONS[1:6], 3)):
            yield _book(rng, title_et, title_en, author, category, "et", edition=edition,
                        popular=famous and i == 0)
        if title_en:
            yield _book(rng, title_et, title_en, author, category, "en",
                        edition=rng.choice(EDITIONS[2:4]), popular=famous)
    # Coverage: every common category has a product in every 5-euro window up to 100 EUR.
    for category in COMMON_BOOK_CATEGORIES:
        works = [w for w in WORKS if w[3] == category]
        for low in range(0, 100, 5):
            price = _window_price(rng, low)
            if works and rng.random() < 0.6:
                author, title_et, title_en, _, _, _ = rng.choice(works)
                language = "en" if title_en and rng.random() < 0.3 else "et"
                yield _book(rng, title_et, title_en, author, category, language, price=price)
            else:
                yield _long_tail_book(rng, category, price=price)
    for low in range(0, 100, 5):
        yield _good(rng, "Kingitused", "Kinkekomplektid", price=_window_price(rng, low))


def _any_row(rng: random.Random) -> dict:
    if rng.random() < 0.62:
        return _long_tail_book(rng)
    product_type = rng.choice(list(GOODS))
    return _good(rng, product_type, rng.choice(list(GOODS[product_type])))


def generate(rows: int = DEFAULT_ROWS, seed: int = SEED) -> pa.Table:
    """`rows` products (at least the real works and the price coverage), always the same."""
    rng = random.Random(seed)
    columns: dict[str, list] = {name: [] for name in COLUMNS}

    def add(row: dict) -> None:
        columns["id"].append(f"P{len(columns['id']) + 1:07d}")
        for name in COLUMNS[1:]:
            columns[name].append(row[name])

    for row in _base_rows(rng):
        add(row)
    while len(columns["id"]) < rows:
        add(_any_row(rng))
    schema = pa.schema([
        ("id", pa.string()), ("title", pa.string()), ("author", pa.string()),
        ("description", pa.string()), ("product_type", pa.string()), ("category", pa.string()),
        ("language", pa.string()), ("age_min", pa.int16()), ("age_max", pa.int16()),
        ("price", pa.float64()), ("in_popular_list", pa.bool_()), ("image_url", pa.string()),
    ])
    return pa.table(columns, schema=schema)


def write(path: Path, rows: int = DEFAULT_ROWS, seed: int = SEED) -> Path:
    pq.write_table(generate(rows, seed), path, compression="zstd")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    write(args.out, args.rows, args.seed)
    print(f"wrote {args.rows:,} products to {args.out}")


if __name__ == "__main__":
    main()
