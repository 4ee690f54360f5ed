package tallrec.synth;

import java.util.SplittableRandom;

/**
 * Plausible movie titles from word lists. Words lean on the item's first genre ("Bloody
 * Graveyard, The" is a horror film, "Galactic Android" science fiction), so a text model reading
 * titles can pick up the genre structure that drives the ratings. Like MovieLens, leading
 * articles move to the end ("Usual Suspects, The"), some titles are French with a trailing
 * article, and some words carry Latin-1 accents ("Café", "Zoë"); every character is encodable in
 * ISO-8859-1 and none is {@code '|'}.
 */
public final class TitleGenerator {

  // Per-genre [nouns, adjectives], indexed like Genres.NAMES.
  private static final String[][][] GENRE_WORDS = {
    { // unknown
      {"Thing", "Reel", "Picture", "Feature", "Untitled"}, {"Unknown", "Nameless", "Other"}},
    { // Action
      {"Strike", "Fury", "Bullet", "Vengeance", "Target", "Impact", "Firepower", "Showdown",
        "Mercenary", "Assault", "Hunter", "Payback", "Blast", "Commando"},
      {"Deadly", "Maximum", "Lethal", "Explosive", "Hard", "Rapid", "Armed", "Total"}},
    { // Adventure
      {"Quest", "Treasure", "Journey", "Island", "Expedition", "Jungle", "Voyage", "Temple",
        "Map", "Horizon", "Frontier", "Pirates", "Explorer"},
      {"Lost", "Hidden", "Forgotten", "Wild", "Great", "Distant", "Sunken"}},
    { // Animation
      {"Bunny", "Toybox", "Dragonfly", "Cartoon", "Penguin", "Kitten", "Balloon", "Squirrel",
        "Doodle", "Puppet", "Critters"},
      {"Magical", "Little", "Silly", "Bouncy", "Tiny", "Colorful", "Animated"}},
    { // Children's
      {"Puppy", "Treehouse", "Birthday", "Playground", "Teddy", "Pony", "Lunchbox", "Camp",
        "Kid", "Snowman", "Sleepover"},
      {"Happy", "Little", "Friendly", "Brave", "Lucky", "Cuddly", "Fuzzy"}},
    { // Comedy
      {"Wedding", "Roommate", "Bachelor", "Vacation", "Disaster", "Mix-Up", "Neighbor", "Party",
        "Slacker", "Shenanigans", "Honeymoon", "Road Trip"},
      {"Crazy", "Dumb", "Nutty", "Awkward", "Hilarious", "Wacky", "Goofy"}},
    { // Crime
      {"Heist", "Mobster", "Alibi", "Racket", "Witness", "Score", "Getaway", "Con", "Gangster",
        "Badge", "Informant", "Syndicate"},
      {"Dirty", "Crooked", "Corrupt", "Stolen", "Guilty", "Criminal", "Hot"}},
    { // Documentary
      {"Portrait", "Chronicle", "Voices", "Truth", "Story", "Record", "Inside", "Years",
        "Witnesses", "Archive"},
      {"True", "Real", "Untold", "Hidden", "American", "Living", "Unseen"}},
    { // Drama
      {"Letter", "Promise", "Silence", "Winter", "Father", "Daughter", "Sorrow", "Memory",
        "Widow", "Grace", "Inheritance", "Farewell", "Mother"},
      {"Quiet", "Broken", "Last", "Bitter", "Tender", "Long", "Distant"}},
    { // Fantasy
      {"Sorcerer", "Kingdom", "Dragon", "Wizard", "Amulet", "Realm", "Unicorn", "Spell",
        "Enchantress", "Crown", "Labyrinth"},
      {"Enchanted", "Mystic", "Eternal", "Golden", "Cursed", "Elven", "Magic"}},
    { // Film-Noir
      {"Shadow", "Dame", "Detective", "Double-Cross", "Rain", "Cigarette", "Neon", "Fog",
        "Nightclub", "Stranger"},
      {"Dark", "Black", "Naked", "Sinister", "Fatal", "Smoky"}},
    { // Horror
      {"Blood", "Scream", "Nightmare", "Curse", "Graveyard", "Zombie", "Terror", "Corpse", "Evil",
        "Vampire", "Haunting", "Butcher", "Crypt"},
      {"Bloody", "Undead", "Haunted", "Hideous", "Unholy", "Rotting", "Evil"}},
    { // Musical
      {"Melody", "Song", "Dance", "Rhapsody", "Chorus", "Ballroom", "Serenade", "Rhythm",
        "Jukebox", "Tango", "Broadway", "Cabaret"},
      {"Singing", "Swinging", "Dancing", "Musical", "Jazzy"}},
    { // Mystery
      {"Secret", "Clue", "Riddle", "Disappearance", "Manor", "Puzzle", "Enigma", "Key",
        "Suspect", "Locket"},
      {"Mysterious", "Missing", "Strange", "Curious", "Silent", "Sealed"}},
    { // Romance
      {"Love", "Kiss", "Heart", "Sweetheart", "Valentine", "Romance", "Affair", "Bride",
        "Passion", "Desire", "Embrace", "Fiancée"},
      {"Sweet", "Tender", "Lovely", "Romantic", "Passionate", "Endless"}},
    { // Sci-Fi
      {"Star", "Galaxy", "Robot", "Planet", "Android", "Orbit", "Cyborg", "Alien", "Nebula",
        "Starship", "Quantum", "Clone", "Mars"},
      {"Cosmic", "Galactic", "Interstellar", "Electric", "Atomic", "Future"}},
    { // Thriller
      {"Conspiracy", "Hostage", "Trap", "Stalker", "Countdown", "Deception", "Fear", "Obsession",
        "Paranoia", "Pursuit", "Edge", "Panic"},
      {"Dangerous", "Fatal", "Deadly", "Silent", "Final", "Twisted"}},
    { // War
      {"Battalion", "Battle", "Platoon", "Regiment", "Soldier", "Trenches", "Bomber", "Siege",
        "Front", "Hill", "Beachhead", "Armistice"},
      {"Heroic", "Fallen", "Iron", "Bloody", "Valiant", "Last"}},
    { // Western
      {"Gunslinger", "Saddle", "Canyon", "Outlaw", "Sheriff", "Ranch", "Rider", "Frontier",
        "Mesa", "Stagecoach", "Rustlers", "Dust"},
      {"Lonesome", "Wild", "Dusty", "Red", "Rawhide", "Tall"}},
  };

  private static final String[] NOUNS = {
    "City", "Night", "Day", "Road", "House", "River", "Man", "Woman", "Game", "Dream", "Heaven",
    "Time", "World", "Sun", "Moon", "Fire", "Water", "Garden", "Street", "Window", "Mirror",
    "Door", "Station", "Bridge", "Harbor", "Paradise", "Angel", "Ghost", "Family", "Summer",
    "Hotel", "Train", "Island", "Dog", "Boy", "Girl", "King", "Queen", "Club", "Machine",
    "Café", "Façade", "Déjà Vu", "Soirée", "Protégé", "Señorita", "Piñata", "Cliché", "Fiancée"
  };

  private static final String[] ADJECTIVES = {
    "Blue", "Red", "Black", "White", "Golden", "Silver", "Long", "Last", "First", "Second",
    "Lonely", "Perfect", "Little", "Big", "Cold", "Hot", "Midnight", "Secret", "American",
    "Private", "Sweet", "Lost", "Naïve", "Blasé", "Wild", "Empty", "Broken", "Open"
  };

  private static final String[] NAMES = {
    "Jack", "Annie", "Harry", "Sally", "Billy", "Emma", "Max", "Lucy", "Frankie", "Dolores",
    "Vincent", "Rosa", "Charlie", "Molly", "Eddie", "Grace", "Otto", "Ingrid", "Marcel",
    "José", "Zoë", "Renée", "André", "Chloé", "Søren", "Björn", "Inès", "Agnès", "Jürgen",
    "Raphaël", "Noël", "Ángel"
  };

  private static final String[] PLACES = {
    "Brooklyn", "Chicago", "Paris", "Texas", "Tokyo", "Vegas", "Montana", "Alaska", "Rome",
    "Berlin", "Havana", "Dakota", "Manhattan", "Hollywood", "Venice", "Zürich", "Málaga",
    "São Paulo", "Düsseldorf", "Montréal", "Québec", "Bogotá", "Malmö", "Reykjavík"
  };

  // French titles keep their article at the end, MovieLens style: "Cité des enfants perdus, La".
  private static final String[][] FRENCH = {
    {"La", "Cité"}, {"La", "Vérité"}, {"La", "Fête"}, {"La", "Mère"}, {"La", "Forêt"},
    {"La", "Belle Époque"}, {"La", "Reine"}, {"La", "Chanson"}, {"La", "Nuit blanche"},
    {"Le", "Château"}, {"Le", "Rêve"}, {"Le", "Dîner"}, {"Le", "Mépris"}, {"Le", "Fantôme"},
    {"Le", "Dernier été"}, {"Les", "Misérables"}, {"Les", "Amants"}, {"Les", "Enfants"},
    {"Les", "Étoiles"}
  };

  private static final String[] FRENCH_TAILS = {
    "", "", "", " de Paris", " d'été", " du désir", " à Lyon", " de ma mère", " perdue",
    " éternelle"
  };

  private static final String[] SEQUELS = {" 2", " II", " 3", ": The Return", ": Part Two"};

  private TitleGenerator() {}

  /** A title without the year, e.g. "Bloody Graveyard, The". */
  public static String title(SplittableRandom rng, int genre) {
    String[] gn = GENRE_WORDS[genre][0];
    String[] ga = GENRE_WORDS[genre][1];
    String t;
    int pattern = rng.nextInt(100);
    if (pattern < 18) {
      t = word(rng, ga, ADJECTIVES) + " " + word(rng, gn, NOUNS);
    } else if (pattern < 31) {
      t = word(rng, ga, ADJECTIVES) + " " + word(rng, gn, NOUNS) + ", The";
    } else if (pattern < 39) {
      t = word(rng, gn, NOUNS) + ", The";
    } else if (pattern < 51) {
      t = word(rng, gn, NOUNS) + " of the " + word(rng, gn, NOUNS);
    } else if (pattern < 57) {
      t = pick(rng, NAMES) + "'s " + word(rng, gn, NOUNS);
    } else if (pattern < 64) {
      t = word(rng, gn, NOUNS) + " in " + pick(rng, PLACES);
    } else if (pattern < 67) {
      t = word(rng, ga, ADJECTIVES) + " " + word(rng, gn, NOUNS) + " in " + pick(rng, PLACES)
          + ", A";
    } else if (pattern < 79) {
      t = word(rng, gn, NOUNS);
    } else if (pattern < 85) {
      t = word(rng, gn, NOUNS) + " and " + word(rng, gn, NOUNS);
    } else if (pattern < 89) {
      String[] fr = FRENCH[rng.nextInt(FRENCH.length)];
      t = fr[1] + FRENCH_TAILS[rng.nextInt(FRENCH_TAILS.length)] + ", " + fr[0];
    } else if (pattern < 93) {
      t = pick(rng, NAMES) + " and " + pick(rng, NAMES);
    } else if (pattern < 97) {
      t = word(rng, ga, ADJECTIVES) + " " + pick(rng, PLACES);
    } else {
      t = "Return of the " + word(rng, gn, NOUNS);
    }
    if (rng.nextInt(100) < 3) {
      t = t + SEQUELS[rng.nextInt(SEQUELS.length)];
    }
    return t;
  }

  /** A genre word three times out of four, else a general one. */
  private static String word(SplittableRandom rng, String[] genreWords, String[] general) {
    return rng.nextInt(4) != 0 ? pick(rng, genreWords) : pick(rng, general);
  }

  private static String pick(SplittableRandom rng, String[] words) {
    return words[rng.nextInt(words.length)];
  }
}
