-- Indexes this benchmark suite proposes for the trace models (not in migrations yet).
-- `python -m bench --proposed-indexes` creates them in the benchmark database before measuring.
-- Model change: trace.EventBatch.Meta.indexes += models.Index(fields=["batch", "role", "event"],
--               name="eventbatch_batch_role_event_idx")
-- Why: a trace looks up the events of its lots by role (subject/output/parent); an ingredient lot
-- consumed by 10,000 other lots has 10,000 'input' links that the (batch, event) index makes the
-- trace read and discard. With role in the index the trace reads only the rows it keeps.
CREATE INDEX IF NOT EXISTS eventbatch_batch_role_event_idx ON trace_eventbatch (batch_id, role, event_id);
