"""The delivery queue: sharded Redis Streams read by one consumer group (``streams``), what travels on them
(``units``), the due-tick's planning transaction (``planning``) and the queue's figures (``figures``).

The one part of ``bot.delivery`` that talks to Redis itself: a unit's stream entry, its subscription, due index,
retry set, dead letters and delivery log share the shard's hash tag, and planning and settling are each one
MULTI/EXEC over them.
"""

from bot.delivery.queue.figures import QueueFigures, read_queue_figures
from bot.delivery.queue.streams import GROUP, DeliveryQueue
from bot.delivery.queue.units import Claimed, DeadLetter, Settlement, Unit, now_delivery_id, slot_delivery_id

__all__ = [
    "GROUP",
    "Claimed",
    "DeadLetter",
    "DeliveryQueue",
    "QueueFigures",
    "Settlement",
    "Unit",
    "now_delivery_id",
    "read_queue_figures",
    "slot_delivery_id",
]
