"""Every Redis key the service uses, in one place (see docs/architecture.md, "Redis key grammar").

Grammar::

    aitoday:v1:{s<NN>}:sub:<sid>          hash   one subscription (identity + preferences)
    aitoday:v1:{s<NN>}:due                zset   sid -> next UTC send time (epoch seconds), shard NN
    aitoday:v1:{s<NN>}:log:<sid>          list   delivery log of one subscription (newest first, 30 days)
    aitoday:v1:{s<NN>}:parts:<delivery>   hash   parts of a split digest the provider accepted (mode -> count), 2 days
    aitoday:v1:{s<NN>}:q                  stream delivery units of shard NN, read by consumer group "workers"
    aitoday:v1:{s<NN>}:retry              zset   delivery unit -> epoch it may go again (Retry-After, backoff)
    aitoday:v1:{s<NN>}:dead               stream dead letters of shard NN (unit, reason, attempts)
    aitoday:v1:{s<NN>}:now:<sid>          string "now" cooldown of one subscriber (TTL = the cooldown)
    aitoday:v1:{s<NN>}:intent:<sid>       string a strict command the model guessed, awaiting "yes", 5 minutes
    aitoday:v1:{s<NN>}:intent-rate:<sid>  string the model's intent reads for one chat this hour, TTL 1 hour
    aitoday:v1:{p}:tb:<bucket>            string token bucket "<tokens> <epoch ms> <paused until ms>" (token_buckets)
    aitoday:v1:{g}:<name>                 global singletons (leases, streams, counters) share one slot
    aitoday:v1:{g}:counter:<name>         hash   label set (sorted query string) -> count (bot.store.counters)
    aitoday:v1:{g}:lease:scheduler        string the scheduler lease "<holder> <renewed epoch s>", TTL = lease
    aitoday:v1:{a}:article:<fp>           string one article (JSON), expires 14 days after it was stored
    aitoday:v1:{a}:articles               zset   fingerprint -> published epoch (recent_articles)
    aitoday:v1:{a}:seen                   hash   dedupe alias (g:/u:/t:<hash>) -> fingerprint
    aitoday:v1:{a}:seen-at                zset   dedupe alias -> last sighting epoch (aliases expire with it)
    aitoday:v1:{a}:fulltext:<urlhash>     string extracted page text of a teaser, 14 days
    aitoday:v1:{e}:edition:<day>:<lang>   string one edition (JSON), 90 days (bot.store.edition_store)
    aitoday:v1:{e}:editions:<lang>        zset   day (YYYY-MM-DD) -> its UTC midnight epoch (latest_edition)
    aitoday:v1:{e}:sample-edition:<lang>  string the demo's sample edition (JSON), until a real one has stories
    aitoday:v1:{c}:card:<fp>:<lang>       string the card of one article in one language (JSON), 15 days, SET NX
    aitoday:v1:{g}:llm-tokens:<day>       string LLM tokens taken on one UTC day (budget), 2 days
    aitoday:v1:{src}:source:<id>          hash   ETag, Last-Modified, health and backoff of one source
    aitoday:v1:{src}:sources:added        hash   source id -> Source JSON added by the operator
    aitoday:v1:{src}:sources:removed      set    source ids the operator removed from the list
    aitoday:v1:{slack}:install:<ent>:<team>:<user>  string  slack_sdk Installation JSON (user "-": the latest)
    aitoday:v1:{slack}:bot:<ent>:<team>          string  slack_sdk Bot JSON of one workspace/org install
    aitoday:v1:{slack}:install-keys:<ent>:<team> set     every install/bot key of one workspace (delete_all)
    aitoday:v1:{slack}:oauth-state:<state>       string  an issued OAuth state, consumed once, 10 minutes
    aitoday:v1:{slack}:team-subs:<team>          set     sids subscribed from a workspace or org (uninstall)
    aitoday:v1:{slack}:team-org:<team>           string  the enterprise (org) id a workspace belongs to
    aitoday:v1:{in}:claim:<channel>:<id>          string  a webhook event or signed request taken once (claim → done)
    aitoday:v1:{s<NN>}:mailfull:<sid>     set    delivery ids refused 5.2.2 (mailbox full) in a row, 40 days
    aitoday:v1:{g}:signup:<kind>:<hash>   string sign-up attempts per address/client IP hash, TTL = window
    aitoday:v1:{g}:link:<code>            string one-time link code -> the identity that asked it, TTL 10 min
    aitoday:v1:{g}:link-used:<hash>       string a confirm link already used (hash of the token), TTL = its lifetime
    aitoday:v1:{cm}:comments:<story>      list   comment ids of one story, oldest first (bot.store.comments)
    aitoday:v1:{cm}:comment:<cid>         hash   one comment: story, author, name, text, times, reports, state
    aitoday:v1:{cm}:reports:<cid>         set    user ids that reported one comment (hidden at 3)
    aitoday:v1:{cm}:rate:<uid>            zset   comment id -> epoch ms of one user's comments in the last minute
    aitoday:v1:{cm}:all                   zset   comment id -> created epoch (the operator's `comments list`)
    aitoday:v1:{cm}:user:<uid>            hash   a commenter: masked address, display name
    aitoday:v1:{auth}:session:<hash>      string user id of one signed-in browser (hash of the cookie), 30 days
    aitoday:v1:{auth}:login-used:<nonce>  string a magic login link already used, 15 minutes
    aitoday:v1:{auth}:login:<kind>:<hash> string login-link requests per address/client IP hash, TTL = window
    aitoday:v1:{auth}:oidc-state:<state>  string a "Sign in with Slack" state -> return path, consumed once, 10 min

``<sid>`` is a hash of the identity tuple, never raw user text; ``NN`` is ``int(sid, 16) % SHARDS``, so a
subscription, its shard's due index and its log share one Redis Cluster slot and can be updated in one
MULTI/EXEC or Lua script. Keys outside this module are a bug. The reader-feedback keys (``fb``, ``fb-at``,
``aff``, ``picks``) are listed with their functions below.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "PREFIX", "SHARDS", "article", "article_index", "article_seen", "article_seen_at", "card", "comment",
    "comment_rate", "comment_reports", "commenter", "comments_all", "counter", "delivery_log", "delivery_parts",
    "due_index", "edition", "edition_index", "feedback_affinity", "feedback_order", "feedback_votes", "fulltext",
    "global_key", "intent_pending", "intent_rate", "link_used", "llm_tokens", "login_attempts", "login_used",
    "mail_full_streak", "now_cooldown", "oidc_state", "pacing_bucket", "picks", "sample_edition", "scheduler_lease",
    "session", "shard_dead", "shard_of", "shard_retry", "shard_stream", "shard_tag", "signup_attempts", "slack_bot",
    "slack_install_keys", "slack_installation", "slack_oauth_state", "slack_team_org", "slack_team_subs",
    "source_state", "sources_added", "sources_moved", "sources_removed", "story_comments", "subscription",
    "subscription_id", "webhook_claim",
]

PREFIX = "aitoday:v1"

#: Number of shards of the subscription space. Changing it re-homes every subscription: a migration.
SHARDS = 16


def subscription_id(channel: str, *parts: str) -> str:
    """Deterministic id of an identity tuple, e.g. ``("slack", "T1", "U1")``. 20 hex characters.

    Each part is length-prefixed before hashing, so ``("a:b", "c")`` and ``("a", "b:c")`` differ.
    """
    material = "\x1f".join(f"{len(p)}:{p}" for p in (channel, *parts))
    return hashlib.blake2b(material.encode("utf-8"), digest_size=10).hexdigest()


def shard_of(sid: str) -> int:
    return int(sid[:8], 16) % SHARDS


def shard_tag(shard: int) -> str:
    return f"{{s{shard:02d}}}"


def subscription(sid: str) -> str:
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:sub:{sid}"


def due_index(shard: int) -> str:
    return f"{PREFIX}:{shard_tag(shard)}:due"


def delivery_log(sid: str) -> str:
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:log:{sid}"


def delivery_parts(sid: str, delivery_id: str) -> str:
    """hash of the parts of one split digest the provider accepted, per rendering mode (rich / plain)."""
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:parts:{delivery_id}"


def global_key(name: str) -> str:
    """A global singleton (lease, stream, counter); all share the ``{g}`` slot."""
    return f"{PREFIX}:{{g}}:{name}"


def counter(name: str) -> str:
    """hash: one operational counter of ``bot.store.counters``, a field per label set, read by ``GET /metrics``."""
    return global_key(f"counter:{name}")


def scheduler_lease() -> str:
    """string ``"<holder> <renewed-at epoch seconds>"`` (SET NX PX): who schedules, and how recently renewed."""
    return global_key("lease:scheduler")


# ------------------------------------------------------------------ summary core storage (articles, editions)


def article(fingerprint: str) -> str:
    return f"{PREFIX}:{{a}}:article:{fingerprint}"


def article_index() -> str:
    """zset fingerprint -> published epoch: the articles of the last 14 days, for clustering."""
    return f"{PREFIX}:{{a}}:articles"


def article_seen() -> str:
    """hash of every fingerprint alias (GUID, URL, title hash) -> canonical fingerprint."""
    return f"{PREFIX}:{{a}}:seen"


def article_seen_at() -> str:
    """zset dedupe alias -> epoch it was last seen; aliases unseen for 14 days are dropped from ``seen``."""
    return f"{PREFIX}:{{a}}:seen-at"


def fulltext(url_hash: str) -> str:
    """string: the main text extracted from an article page ("" = the page had none), 14 days."""
    return f"{PREFIX}:{{a}}:fulltext:{url_hash}"


def sources_added() -> str:
    """hash source id -> Source JSON: sources the operator added on top of the OPML list."""
    return f"{PREFIX}:{{src}}:sources:added"


def sources_removed() -> str:
    """set of source ids the operator removed from the OPML list."""
    return f"{PREFIX}:{{src}}:sources:removed"


def sources_moved() -> str:
    """hash source id -> {"from", "to", "at"} JSON: feeds that moved for good (a confirmed 301/308)."""
    return f"{PREFIX}:{{src}}:sources:moved"


def source_state(source_id: str) -> str:
    """hash: ETag, Last-Modified, health, backoff of one source."""
    return f"{PREFIX}:{{src}}:source:{source_id}"


def edition(day: str, language: str) -> str:
    return f"{PREFIX}:{{e}}:edition:{day}:{language}"


def sample_edition(language: str) -> str:
    """string: the demo's sample edition (JSON), shown by the pages only while no real edition has stories."""
    return f"{PREFIX}:{{e}}:sample-edition:{language}"


def edition_index(language: str) -> str:
    """zset of the days that have an edition in ``language``; same slot as the editions."""
    return f"{PREFIX}:{{e}}:editions:{language}"


def card(fingerprint: str, language: str) -> str:
    """The summary card of one article in one language (LLM cache: never summarized twice)."""
    return f"{PREFIX}:{{c}}:card:{fingerprint}:{language}"


def llm_tokens(day: str) -> str:
    """LLM tokens taken on one UTC day, checked against AITODAY_LLM_DAILY_TOKEN_BUDGET."""
    return global_key(f"llm-tokens:{day}")


# ------------------------------------------------------------------ email (bot.wiring.mail, bot.web.signup)


def mail_full_streak(sid: str) -> str:
    """set of delivery ids refused "mailbox full" in a row for one email subscription; deleted on success."""
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:mailfull:{sid}"


def link_used(digest: str) -> str:
    """string marking a single-use link (``digest``: a hash of its token) as used, TTL = the link's lifetime."""
    return f"{PREFIX}:{{g}}:link-used:{digest}"


def signup_attempts(kind: str, digest: str) -> str:
    """string counter of sign-ups from one address or client IP (``digest`` is a hash of it), TTL = window."""
    return f"{PREFIX}:{{g}}:signup:{kind}:{digest}"


# ------------------------------------------------------------------ Slack installs, OAuth state, event dedupe
# Slack ids are [A-Z0-9]; an absent enterprise/team/user is spelled "-".


def slack_installation(enterprise: str, team: str, user: str) -> str:
    return f"{PREFIX}:{{slack}}:install:{enterprise}:{team}:{user}"


def slack_bot(enterprise: str, team: str) -> str:
    return f"{PREFIX}:{{slack}}:bot:{enterprise}:{team}"


def slack_install_keys(enterprise: str, team: str) -> str:
    return f"{PREFIX}:{{slack}}:install-keys:{enterprise}:{team}"


def slack_oauth_state(state: str) -> str:
    return f"{PREFIX}:{{slack}}:oauth-state:{state}"


def slack_team_subs(team: str) -> str:
    return f"{PREFIX}:{{slack}}:team-subs:{team}"


def slack_team_org(team: str) -> str:
    return f"{PREFIX}:{{slack}}:team-org:{team}"


# ---------------------------------------------------------- delivery engine (bot.delivery.planner, queue, worker)
# Streams are per shard: planning (due index -> stream + last slot) and settling (log + XACK) each touch one
# slot only, so each is one MULTI/EXEC or Lua script on Redis Cluster too.


def shard_stream(shard: int) -> str:
    return f"{PREFIX}:{shard_tag(shard)}:q"


def shard_retry(shard: int) -> str:
    return f"{PREFIX}:{shard_tag(shard)}:retry"


def shard_dead(shard: int) -> str:
    return f"{PREFIX}:{shard_tag(shard)}:dead"


def now_cooldown(sid: str) -> str:
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:now:{sid}"


def intent_pending(sid: str) -> str:
    """string: the strict command a model guessed for one chat, until the reader answers (``bot.store.intents``)."""
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:intent:{sid}"


def intent_rate(sid: str) -> str:
    """string: how many messages of one chat went to the model this hour (``bot.store.intents``)."""
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:intent-rate:{sid}"


def pacing_bucket(bucket: str) -> str:
    """string: one provider bucket's token state; every bucket shares the ``{p}`` slot (one script takes all)."""
    return f"{PREFIX}:{{p}}:tb:{bucket}"


# ------------------------------------------------------------------ webhook claims (bot.store.claims)


def webhook_claim(channel: str, event_id: str) -> str:
    """string: a platform event (or a signed request) taken once: ``claim`` while it runs, then ``done``."""
    return f"{PREFIX}:{{in}}:claim:{channel}:{event_id}"


# ------------------------------------------------------------------ linked identities (bot.store.link_codes)


def link_code(code: str) -> str:
    """string: a one-time ``link`` code -> the identity that asked for it, TTL ten minutes."""
    return f"{PREFIX}:{{g}}:link:{code}"


# ------------------------------------------------------------------ discussion (bot.store.comments, bot.store.sessions)
# Every comment key shares the ``{cm}`` slot so that posting (rate check + comment + story list + index) is one
# Lua script; story, comment and user ids are checked ([A-Za-z0-9_-]) before they reach a key.


def story_comments(story_id: str) -> str:
    """list of the comment ids of one story, oldest first."""
    return f"{PREFIX}:{{cm}}:comments:{story_id}"


def comment(comment_id: str) -> str:
    """hash: one comment (story, author, name, text, created, edited, reports, state)."""
    return f"{PREFIX}:{{cm}}:comment:{comment_id}"


def comment_reports(comment_id: str) -> str:
    """set of the user ids that reported one comment."""
    return f"{PREFIX}:{{cm}}:reports:{comment_id}"


def comment_rate(user_id: str) -> str:
    """zset comment id -> epoch ms: one user's recent comments (the per-minute limit)."""
    return f"{PREFIX}:{{cm}}:rate:{user_id}"


def comments_all() -> str:
    """zset comment id -> created epoch seconds: every comment, for the operator."""
    return f"{PREFIX}:{{cm}}:all"


def commenter(user_id: str) -> str:
    """hash: a signed-in reader (masked address, display name)."""
    return f"{PREFIX}:{{cm}}:user:{user_id}"


def session(token_hash: str) -> str:
    """string: the user id of one signed-in browser; the key holds a hash of the cookie, never the cookie."""
    return f"{PREFIX}:{{auth}}:session:{token_hash}"


def login_used(nonce: str) -> str:
    """string: a magic login link already used (single use), kept as long as the link could be valid."""
    return f"{PREFIX}:{{auth}}:login-used:{nonce}"


def login_attempts(kind: str, digest: str) -> str:
    """string counter of login-link requests from one address or client IP (a hash of it), TTL = window."""
    return f"{PREFIX}:{{auth}}:login:{kind}:{digest}"


def oidc_state(state: str) -> str:
    """string: the return path of one "Sign in with Slack" round trip, taken once (GETDEL), 10 minutes."""
    return f"{PREFIX}:{{auth}}:oidc-state:{state}"


# ------------------------------------------------------------------ reader feedback (bot.store.feedback)
# A reader's votes, their aggregate and their last digest's picks share the subscription's ``{sNN}`` slot, so a
# vote (vote + order + affinity) is one Lua script. ``<sid>`` is the primary's of a linked group: one set.


def feedback_votes(sid: str) -> str:
    """hash story id -> ``"<+1|-1> <source id> <topic,topic>"``: one reader's 👍/👎 and what each was about."""
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:fb:{sid}"


def feedback_order(sid: str) -> str:
    """zset story id -> epoch of the vote: the oldest votes are dropped (and un-counted) past the cap."""
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:fb-at:{sid}"


def feedback_affinity(sid: str) -> str:
    """hash ``s:<source id>`` / ``t:<topic>`` -> the sum of the reader's votes on it (bounded when read)."""
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:aff:{sid}"


def picks(sid: str) -> str:
    """string: the reader's last digest, story ids with source, topics and reason codes (JSON, no titles), 2 days."""
    return f"{PREFIX}:{shard_tag(shard_of(sid))}:picks:{sid}"
