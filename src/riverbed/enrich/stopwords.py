"""Stop words for English, German, French and Spanish, casefolded, one set for all four.

One merged set rather than one per language: a story's language is not known for sure before
the text is read (and feeds mix languages in one title), and the lists barely collide with
content words across these four languages. Words that are content words in one language and
function words in another ("war", "era", "son") are left out. `GENERIC` adds words that
carry no topic in news text ("says", "new", "way"): kept apart because embeddings keep them
(they still tell two texts apart) while keywords and topic labels drop them.
"""

from __future__ import annotations

_EN = """
a about above after again against all almost also although always am among an and another
any anyone anything are aren't around as at back be became because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
down during each either else enough even ever every few for from further had hadn't has
hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how
how's however i i'd i'll i'm i've if in into is isn't it it's its itself just let's many may
me might more most much must mustn't my myself neither no nor not now of off often on only
onto or other others ought our ours ourselves out over own per quite rather same shall shan't
she she'd she'll she's should shouldn't since so some still such than that that's the their
theirs them themselves then there there's these they they'd they'll they're they've this
those though through thus to too toward towards under until up upon us very via was wasn't
we we'd we'll we're we've were weren't what what's when when's where where's whether which
while who who's whom whose why why's unless will with within without won't would wouldn't yet you
you'd you'll you're you've your yours yourself yourselves
"""

_DE = """
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
auch auf aus bei beim bin bis bist da damit dann das dass dein deine dem den denn der des
dessen dich die dir doch dort du durch ein eine einem einen einer eines einige einigen er es
etwas euch euer eure für gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich
ihm ihn ihnen ihr ihre ihrem ihren ihrer im in indem ins ist jede jedem jeden jeder jedes
jene jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner können könnte machen
man manche manchem manchen mancher mein meine mich mir mit muss musste nach nicht nichts noch
nun nur ob oder ohne sehr sein seine seinem seinen seiner seit sich sie sind so solche soll
sollte sondern sonst über um und uns unser unsere unter vom von vor waren warum was weil
welche welchem welchen welcher welches wenn wer werde werden wie wieder will wir wird wirst
wo wollen wollte würde würden zu zum zur zwar zwischen
"""

_FR = """
à afin ai aie aient ainsi alors au aucun aucune aujourd'hui auquel aussi autre autres aux
auxquelles auxquels avaient avais avait avant avec avez avoir avons ayant c' ça car ce ceci
cela celle celles celui cependant certains ces cet cette ceux chaque chez comme comment d'
dans de depuis des desquelles desquels dont du duquel elle elles en encore entre est et
étaient étais était étant été être eu eux fait faut il ils j' je jusqu jusqu'à l' la laquelle
le lequel les lesquelles lesquels leur leurs lors lorsque lui m' ma mais me même mêmes mes
moi mon n' ne ni nos notre nous on ont ou où par parce pas peu peut plus plusieurs pour
pourquoi qu' quand que quel quelle quelles quels qui quoi s' sa sans se selon ses si sien
soi soit sommes sont sous suis sur ta te tes toi ton tous tout toute toutes très tu un une
vers vos votre vous y
"""

_ES = """
al algo algunas algunos ante antes aquel aquella aquellas aquellos aquí así aunque cada como
con contra cual cuales cuando cuánto de del desde donde dos el él ella ellas ellos en entre
eran es esa esas ese eso esos esta está estaba estaban están estar estas este esto estos
estoy fue fueron ha había habían han hasta hay la las le les lo los más me mi mientras mis
mucho muchos muy nada ni no nos nosotros nuestra nuestro o os otra otras otro otros para
pero poco por porque pues que quien quienes qué se sea ser será sido siempre sin sino sobre
sólo solo su sus también tampoco tan tanto te tenemos tener tiene tienen todas todo todos tu
tus un una unas uno unos usted ustedes y ya yo
"""

# Words that say nothing about a topic in (tech) news prose and headlines: common verbs
# (with irregular past forms), comparatives, headline formulas ("a gentle introduction",
# "lessons", "deep dive"), boilerplate ("continue reading").
_GENERIC = """
able according across actually add added adds again ago ahead allow allowed allows already
announced announcement announces another anyone anyway apr april article aug august
available away based began begin begun behind best better big bigger billion bit blog brings
broke broken brought came can case caught change changes chose click come comes coming
continue cut cuts day days dec december deep describe described describes detail details did
different dive does done due each early else end etc even every example explained explains
faster feb february fell felt find first five found four friday gave gb gbps gentle get gets
getting ghz give given go goes going gone good got great grew guide half happened happens
hard held help here hidden high higher however hundred important including inside instead
into intro introduces introducing introduction jan january jul july jun june just kb kbps
keep kept kind knew know known larger last later latest learned least less lessons let lets
like likely little long look looking looks lost lot lots low lower made main make makes
making many mar matter matters may mb mbps mean means meant mhz might million monday month
months more most ms much need needs new newer next nobody none noted notes nothing nov
november now ns number oct october old older one ones part pb people per percent point post
posts put ran reading real really recent recently remaining rethinking right run running
said saturday saw say says see seems seen sent sep sept september set several share shipped
ships show shown shows similar since slower small smaller someone something soon
spokesperson start statement still stood story sunday sure take taken takes talk taught tb
teams tell than thank thanks thing things think third thought thousand three thursday time
times today told took top try trying tuesday turn two understanding understood upgrading use
used users uses using version want wants way ways wednesday week weeks well went whatever
whole wish won work works world worse worth written wrote year years yes yesterday µs
"""

STOP_WORDS: frozenset[str] = frozenset((_EN + _DE + _FR + _ES).split())
GENERIC: frozenset[str] = frozenset(_GENERIC.split())
# What keywords and topic labels leave out.
NOT_KEYWORDS: frozenset[str] = STOP_WORDS | GENERIC
