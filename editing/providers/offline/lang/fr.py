"""French → English: what a French brief says, in the words the English phrase table knows.

Keys are phrase patterns (``(?:a|b)``, ``?``) written as typed, accents and all; they are
normalized like the instruction (lower case, no accents, apostrophes and hyphens as spaces).
``VOCABULARY`` values are phrases of the English table; ``GRAMMAR`` values are the words around
them (intensity, negation, verbs, questions); an empty value drops the word (articles).
"""

from __future__ import annotations

CODE = "fr"
NAME = "French"
EXAMPLES = (
    '"plus lumineux", "plus chaud et plus lent", '
    '"ajoute des pétales de rose", "gros plan sur le flacon", "sans fumée"'
)
ACCENTS = "çœèêëîïôûùâ"

VOCABULARY: dict[str, str] = {
    # comparatives, so the reading says "warmer" rather than "more warm"
    (
        "plus lumineu(?:x|se|ses)|plus clair(?:e|es|s)?|plus brillant(?:e|es|s)?|plus ensoleillé(?:e|es|s)?"
    ): "brighter",
    "plus sombre(?:s)?|plus foncé(?:e|es|s)?|plus obscur(?:e|es|s)?": "darker",
    "plus chaud(?:e|es|s)?|plus chaleureu(?:x|se|ses)": "warmer",
    "plus froid(?:e|es|s)?|plus frais|plus fraîche(?:s)?": "cooler",
    "plus saturé(?:e|es|s)?|plus vif|plus vive(?:s)?|plus vifs|plus coloré(?:e|es|s)?": "more saturated",
    "plus doux|plus douce(?:s)?": "softer",
    "plus lent(?:e|es|s)?|plus lentement": "slower",
    "plus rapide(?:s)?|plus vite": "faster",
    # lighting
    (
        "lumineu(?:x|se|ses)|clair(?:e|es|s)?|brillant(?:e|es|s)?|éclairé(?:e|es|s)?|ensoleillé(?:e|es|s)?"
    ): "bright",
    "éclaircis(?:sez)?|éclaircir|illumine(?:z|r)?|illuminé(?:e|es|s)?": "brighten",
    "sombre(?:s)?|obscur(?:e|es|s)?|foncé(?:e|es|s)?": "dark",
    "assombris(?:sez)?|assombrir": "darken",
    "tamise(?:z|r)?|tamisé(?:e|es|s)?|lumière tamisée": "dim",
    "plus de lumière|plus d éclairage": "more light",
    "moins de lumière|moins d éclairage": "less light",
    "lumière(?:s)?|éclairage(?:s)?": "lights",
    "luminosité|exposition": "brightness",
    "heure dorée|lumière dorée|soleil couchant|crépuscule": "golden hour",
    "coucher de soleil|coucher du soleil": "sunset",
    "lever de soleil|lever du soleil": "sunrise",
    "aube|au petit jour": "dawn",
    "petit matin|tôt le matin": "early morning",
    "matin(?:ée)?|du matin": "morning",
    "contre jour|contrejour|rétroéclairé(?:e)?|éclairage arrière|lumière de contour": "backlit",
    "lumière douce|éclairage doux|lumière diffuse|douce lumière": "soft light",
    "adoucis(?:sez)?|adoucir": "soften",
    "doux|douce|douces": "softer",
    "lumière dure|éclairage dur|lumière crue|lumière directe": "harsh light",
    "ombres dures|ombres marquées": "hard shadows",
    "dur(?:e|es|s)?|cru(?:e|es|s)?": "harsh",
    "néon(?:s)?|lumière(?:s)? néon|cyberpunk": "neon",
    "lumière de bougie|lumière des bougies|bougie(?:s)?|à la bougie": "candlelight",
    "aux chandelles|chandelle(?:s)?|feu de cheminée|feu de bois": "candlelight",
    "tons clairs|clair et aéré|aéré(?:e)?": "high key",
    "clair obscur|ombres dramatiques|film noir": "low key",
    "lumière naturelle|éclairage naturel": "natural light",
    "lumière du jour|plein jour|en plein jour": "daylight",
    "clair de lune": "moonlight",
    "nuit|de nuit|la nuit|nocturne(?:s)?|minuit": "night",
    # contrast
    "plus de contraste|contrasté(?:e|es|s)?": "more contrast",
    "moins de contraste|peu contrasté(?:e)?": "less contrast",
    "contraste(?:s)?": "contrast",
    "dramatique(?:s)?": "dramatic",
    "délavé(?:e|es|s)?": "washed out",
    "plat(?:e|es|s)?": "flatter",
    # colour temperature
    "chaud(?:e|es|s)?|chaleureu(?:x|se|ses)": "warm",
    "réchauffe(?:z|r)?": "warm it up",
    "tons chauds|couleurs chaudes": "warm tones",
    "chaleur|température": "warmth",
    "froid(?:e|es|s)?|glacé(?:e|es|s)?|glacial(?:e)?|frais|fraîche(?:s)?": "cold",
    "refroidis(?:sez)?|refroidir|rafraîchis(?:sez)?": "cool it down",
    "tons froids|couleurs froides": "cool tones",
    "bleuté(?:e|es|s)?": "bluer",
    # saturation and black and white
    "saturé(?:e|es|s)?": "saturated",
    "vif|vive|vives|vifs|vibrant(?:e|es|s)?|éclatant(?:e|es|s)?": "vibrant",
    "coloré(?:e|es|s)?|haut(?:e|es|s)? en couleur(?:s)?": "colourful",
    "plus de couleur(?:s)?": "more colours",
    "désature(?:z|r)?|désaturé(?:e|es|s)?": "desaturated",
    "atténué(?:e|es|s)?|sourd(?:e|es|s)?|tons sourds|couleurs sourdes": "muted",
    "terne(?:s)?|pâle(?:s)?": "dull",
    "couleurs douces|tons doux": "softer colours",
    "saturation": "saturation",
    "couleur(?:s)?|teinte(?:s)?": "colours",
    "noir et blanc|noir & blanc|n&b|niveaux de gris": "black and white",
    "sans couleur(?:s)?|incolore(?:s)?": "no colour",
    "en couleur(?:s)?|remets la couleur|remettez la couleur|la couleur revient": "in colour",
    "redonne(?:z)? de la couleur|ramène(?:z)? la couleur": "bring back the colour",
    # palettes
    "or rose|rose doré|cuivre rosé": "rose gold",
    "émeraude|jade": "emerald",
    "vert(?:e|es|s)?": "green",
    "pastel(?:s)?|couleurs pastel|tons pastel": "pastel",
    "monochrome(?:s)?": "monochrome",
    "noir et or|or et noir": "black and gold",
    "doré(?:e|es|s)?|en or|tout en or": "golden",
    "champagne|beige|nude|taupe|sable": "champagne",
    "saphir|bleu marine|marine": "sapphire",
    "bleu roi": "royal blue",
    "bleu nuit": "midnight blue",
    "bleu(?:e|es|s)?": "blue",
    "améthyste|violet(?:te|tes|s)?|pourpre|lavande|lilas|prune|mauve": "amethyst",
    "bordeaux|rouge vin|lie de vin": "burgundy",
    "cramoisi(?:e)?|rouge(?:s)?|écarlate|rubis": "red",
    "rose|rosé(?:e)?|rose poudré|rose pâle": "pink",
    "ivoire|crème|nacré(?:e)?|perle": "ivory",
    "blanc(?:he|hes|s)?": "white",
    "argent|argenté(?:e|es|s)?|platine|acier|chrome": "silver",
    "turquoise|bleu canard|sarcelle|aigue marine|cyan": "teal",
    "corail|pêche|abricot|mandarine|orange|orangé(?:e|es|s)?": "coral",
    # framing
    "très gros plan|macro": "extreme close up",
    "gros plan|plan serré|plan rapproché": "close up",
    "zoome(?:z|r)?|zoom avant|zoomer sur": "zoom in",
    "zoom arrière|dézoome(?:z|r)?": "zoom out",
    "plus près|de plus près": "closer",
    "plus loin|de plus loin": "further away",
    "plan large|plan d ensemble|plus large|large": "wide shot",
    "grand angle": "wide angle",
    "plan moyen|plan américain": "medium shot",
    "zoom": "zoom",
    # camera moves
    (
        "tourne(?:z)? autour(?: du flacon| de la bouteille)?|orbite|travelling circulaire"
        "|mouvement circulaire"
    ): "orbit",
    "panoramique (?:vers la |à )?gauche|pano (?:vers la |à )?gauche": "pan left",
    "panoramique (?:vers la |à )?droite|pano (?:vers la |à )?droite": "pan right",
    "panoramique|pano": "pan",
    "avance(?:z)? (?:la caméra )?(?:tout près|au plus près)|rapproche(?:z)? toi (?:tout près|au plus près)": (
        "push in close"
    ),
    "avance(?:z)? la caméra|travelling avant|rapproche(?:z)? la caméra|approche(?:z)? la caméra": "push in",
    "recule(?:z)?(?: la caméra)?|travelling arrière|éloigne(?:z)? la caméra": "pull back",
    (
        "travelling latéral|travelling le long(?: du flacon| de la bouteille)?|longe(?:z)? le flacon"
    ): "track along",
    "travelling": "tracking shot",
    "grue vers le haut|mouvement de grue|plan de grue|la caméra monte|monte(?:z)? la caméra": "crane up",
    "grue vers le bas|la caméra descend|descends la caméra|descendez la caméra": "crane down",
    "caméra fixe|plan fixe|statique|immobile": "static camera",
    "trépied|sur pied": "tripod",
    "caméra à l épaule|à l épaule|caméra portée": "handheld",
    "caméra plus lente|ralentis la caméra|ralentissez la caméra|ralentir la caméra": "slow the camera down",
    "caméra plus rapide|accélère la caméra|accélérez la caméra": "faster camera",
    # speed
    "ralenti|au ralenti": "slow motion",
    "ralentis(?:sez)?|ralentir": "slow down",
    "lent(?:e|es|s)?": "slower",
    "lentement": "slowly",
    "accéléré|en accéléré": "time lapse",
    "accélère(?:z|r)?": "speed up",
    "rapide(?:s)?|vite": "faster",
    "rapidement": "quickly",
    "temps réel|vitesse normale": "real time",
    "vitesse|rythme|cadence": "speed",
    # mood
    "onirique(?:s)?|rêveu(?:r|se|ses|rs)|éthéré(?:e|es|s)?|féerique(?:s)?|magique(?:s)?": "dreamy",
    "vaporeu(?:x|se|ses)": "hazy",
    "irréel(?:le|les|s)?|surréaliste(?:s)?": "surreal",
    "mystérieu(?:x|se|ses)|mystère|énigmatique(?:s)?|intrigant(?:e|es|s)?": "mysterious",
    "séduisant(?:e|es|s)?|envoûtant(?:e|es|s)?": "seductive",
    "énergique(?:s)?|dynamique(?:s)?|vivant(?:e|es|s)?|électrique(?:s)?|puissant(?:e|es|s)?": "energetic",
    (
        "romantique(?:s)?|romance|amour|sensuel(?:le|les|s)?|intime(?:s)?|passionné(?:e|es|s)?|tendre"
    ): "romantic",
    "élégant(?:e|es|s)?|élégance|chic|raffiné(?:e|es|s)?|sophistiqué(?:e|es|s)?|intemporel(?:le|les|s)?": (
        "elegant"
    ),
    "luxueu(?:x|se|ses)|luxe|haut de gamme": "luxurious",
    "ludique(?:s)?|joyeu(?:x|se|ses)|amusant(?:e|es|s)?|gai(?:e|es|s)?|espiègle(?:s)?|fantaisiste": "playful",
    "pétillant(?:e|es|s)?": "bubbly",
    # settings
    "plage(?: au coucher du soleil)?|bord de mer|au bord de la mer|côte|littoral|tropical(?:e|es)?": "beach",
    "ville(?: la nuit| de nuit)?|urbain(?:e|es|s)?|toit(?:s)?|centre ville|métropole": "city",
    "paris|londres|new york|tokyo|milan|dubaï": "paris",
    "studio en marbre|studio de marbre": "marble studio",
    "marbre": "marble",
    "forêt|bois|sous bois|jungle|arbres|jardin|verdure|botanique": "forest",
    "désert|dune(?:s)?|sahara|aride": "desert",
    "sous l eau|sous marin(?:e|es|s)?|sous la mer|fond(?:s)? marin(?:s)?|aquatique|immergé(?:e|es|s)?": (
        "underwater"
    ),
    "studio|fond uni|fond neutre|piédestal|socle": "studio",
    # elements
    "pétales de rose(?:s)?|pétale(?:s)?|roses|fleurs qui tombent": "rose petals",
    (
        "poussière d or|poudre d or|paillettes d or|paillettes dorées|feuille d or|poussière d étoiles"
    ): "gold dust",
    "paillettes": "glitter",
    "gouttes d eau|gouttelettes|gouttes|rosée|condensation|éclaboussures": "water droplets",
    "fumée(?:s)?|brume(?:s)?|brouillard|vapeur|buée|fumigène(?:s)?": "smoke",
    "soie|satin|tissu(?:s)?|ruban(?:s)?|drapé(?:s)?|mousseline": "silk",
    "bokeh|lumières floues|guirlandes lumineuses|guirlande lumineuse": "bokeh",
    "pluie|pluvieu(?:x|se)|averse|orage|bruine": "rain",
    "neige|neigeu(?:x|se)|flocons(?: de neige)?|tempête de neige": "snow",
    "étincelle(?:s)?|scintillement(?:s)?|scintillant(?:e|es|s)?|étoiles|éclats|reflets": "sparkles",
    "bulle(?:s)?|effervescence": "bubbles",
    "effets|particules|éléments|superflu": "effects",
    "épuré(?:e|es|s)?|minimaliste(?:s)?|plus simple|simplifie(?:z|r)?": "minimal",
    # product
    "plan héroïque|flacon en vedette|produit en vedette|mise en valeur du flacon": "hero shot",
    "plus grand(?:e|es|s)?|agrandis(?:sez)?|agrandir|plus gros(?:se|ses)?|plus imposant(?:e|es|s)?": "bigger",
    "plus visible(?:s)?": "more visible",
    "plus petit(?:e|es|s)?|rétrécis(?:sez)?|rétrécir|plus discret|plus discrète": "smaller",
    "centré(?:e|es|s)?|centre(?:z|r)?|au centre|au milieu": "centered",
    "symétrique(?:s)?": "symmetrical",
    "décentré(?:e|es|s)?|sur le côté": "off center",
    "règle des tiers": "rule of thirds",
    "plus bas dans le cadre|plus bas dans l image|en bas du cadre|plus bas": "lower in frame",
    "plus haut dans le cadre|plus haut dans l image|en haut du cadre|plus haut": "higher in frame",
}

GRAMMAR: dict[str, str] = {
    # intensity
    "plus|davantage": "more",
    "encore": "even",
    "bien plus": "much more",
    "un peu|un brin|un chouïa": "a bit",
    "un tout petit peu|un tout petit peu plus": "a tiny bit",
    "légèrement|subtilement": "slightly",
    "une touche de|une touche": "a touch",
    "un soupçon de|un soupçon": "a hint",
    "très|hyper": "very",
    "extrêmement": "extremely",
    "vraiment": "really",
    "beaucoup": "much",
    "nettement|sensiblement|visiblement": "noticeably",
    "assez": "quite",
    "pas assez": "more",
    "trop": "too",
    "trop de|trop d": "too much",
    "moins": "less",
    "à peine": "barely",
    "presque|quasiment|pratiquement": "almost",
    # negation and removal
    "pas de|pas d|aucun(?:e)?|plus aucun(?:e)?": "no",
    "ne veux plus de|ne voulons plus de|ne plus mettre de|plus jamais de|n y a plus de": "no more",
    "ne veux pas de|ne voulons pas de": "no",
    "sans": "without",
    "ne pas|pas|non|ne|n": "not",
    "pas si|pas aussi": "not so",
    "enlève(?:z|r)?|retire(?:z|r)?|supprime(?:z|r)?|ôte(?:z|r)?|élimine(?:z|r)?|vire(?:z|r)?": "remove",
    "débarrasse toi de|débarrassez vous de": "get rid of",
    "arrête(?:z|r)?": "stop",
    # verbs and requests
    "rends le|rends la|rendez le|rendez la|fais le|fais la|faites le|faites la": "make it",
    "rends|rendez|rendre|fais|faites|faire": "make",
    "ajoute(?:z|r)?|rajoute(?:z|r)?|mets|mettez|mettre": "add",
    "augmente(?:z|r)?|monte(?:z|r)?|pousse(?:z|r)?": "increase",
    "baisse(?:z|r)?|diminue(?:z|r)?|réduis|réduisez|réduire": "reduce",
    "change(?:z|r)?|passe(?:z|r)?": "change",
    "utilise(?:z|r)?": "use",
    "garde(?:z|r)?": "keep",
    "donne(?:z|r)?": "give",
    (
        "je veux|je voudrais|j aimerais|je souhaite|on veut|on voudrait|il faut|il nous faut|nous voulons"
    ): "i want",
    "peux tu|pouvez vous|tu peux|vous pouvez|pourrais tu|pourriez vous": "can you",
    "est ce que tu peux|est ce que vous pouvez|est ce que tu pourrais|est ce que vous pourriez": "can you",
    "s il te plaît|s il vous plaît|stp|svp": "please",
    "et si": "what if",
    "pourquoi pas": "why not",
    "que dirais tu de|que diriez vous de": "how about",
    # greetings
    "bonjour|salut|bonsoir|coucou": "hello",
    "merci(?: beaucoup)?": "thanks",
    # questions
    "quel|quelle|quels|quelles|qu est ce que|qu est ce qui|que|qu": "what",
    "est ce que": "do",
    "comment": "how",
    "pourquoi": "why",
    "quand": "when",
    "qui": "who",
    "combien": "how much",
    # people, time, off-topic
    "je|j": "i",
    "moi": "me",
    "mon|ma|mes": "my",
    "nous|on": "we",
    "notre|nos": "our",
    "tu|vous|toi|te": "you",
    "il|elle": "it",
    "il fait|il est|elle est": "it is",
    "ils|elles": "they",
    "leur|leurs": "their",
    "aujourd hui": "today",
    "demain": "tomorrow",
    "hier": "yesterday",
    "météo|temps qu il fait": "weather",
    "blague": "joke",
    "raconte(?:z)?|dis moi|dites moi|dis|dites": "tell",
    "explique(?:z)?": "explain",
    # statements
    "c est|ça a l air|cela a l air": "it is",
    "est": "is",
    "sont": "are",
    "était": "was",
    "semble": "seems",
    "a l air": "looks",
    # small words
    "et": "and",
    "ou": "or",
    "mais": "but",
    "aussi|également": "also",
    "avec": "with",
    "pour": "for",
    "comme": "like",
    "sur": "on",
    "dans": "in",
    "ça|cela": "it",
    "le|la|l|les": "the",
    "un|une|des|du|de|d|au|aux|ce|cet|cette|ces|en|y|à|par|fait|il y a|qu il": "",
    "flacon|bouteille": "bottle",
    "parfum": "perfume",
    "produit": "product",
    "caméra": "camera",
    "image|vidéo|scène|plan|cadre": "image",
    "ambiance|atmosphère": "mood",
    "palette": "palette",
    "tons|nuances": "tones",
}
