-- The tables of release 32a820e, written by make.py; do not edit.

CREATE TABLE alert_group (
	"key" VARCHAR NOT NULL, 
	first_change_at DATETIME, 
	last_sent_at DATETIME, 
	cursor INTEGER NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE alert_state (
	commitment VARCHAR NOT NULL, 
	alert VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	severity VARCHAR, 
	status VARCHAR NOT NULL, 
	actual FLOAT, 
	target FLOAT, 
	target_max FLOAT, 
	op VARCHAR, 
	unit VARCHAR, 
	expected FLOAT, 
	reason VARCHAR NOT NULL, 
	evaluated_at DATETIME, 
	active_since DATETIME, 
	consecutive INTEGER NOT NULL, 
	last_bad_at DATETIME, 
	fired_at DATETIME, 
	resolved_at DATETIME, 
	announced VARCHAR NOT NULL, 
	announced_at DATETIME, 
	PRIMARY KEY (commitment, alert)
);

CREATE TABLE alert_transition (
	id INTEGER NOT NULL, 
	commitment VARCHAR NOT NULL, 
	alert VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	from_state VARCHAR NOT NULL, 
	to_state VARCHAR NOT NULL, 
	severity VARCHAR, 
	status VARCHAR NOT NULL, 
	actual FLOAT, 
	reason VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_alert_transition_commitment_at ON alert_transition (commitment, at);

CREATE TABLE collection_run (
	id INTEGER NOT NULL, 
	feed VARCHAR NOT NULL, 
	fetched_at DATETIME NOT NULL, 
	ok BOOLEAN NOT NULL, 
	error_category VARCHAR, 
	error VARCHAR, 
	rows_accepted INTEGER NOT NULL, 
	rows_rejected VARCHAR NOT NULL, 
	bytes_read INTEGER NOT NULL, 
	duration_seconds FLOAT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_collection_run_feed_time ON collection_run (feed, fetched_at);

CREATE TABLE current_state (
	status VARCHAR NOT NULL, 
	actual FLOAT, 
	target FLOAT, 
	target_max FLOAT, 
	op VARCHAR, 
	unit VARCHAR, 
	margin FLOAT, 
	expected FLOAT, 
	data_time DATETIME, 
	cases INTEGER, 
	reason VARCHAR NOT NULL, 
	commitment VARCHAR NOT NULL, 
	evaluated_at DATETIME NOT NULL, 
	status_since DATETIME NOT NULL, 
	PRIMARY KEY (commitment)
);

CREATE TABLE delivery_attempt (
	id INTEGER NOT NULL, 
	notification_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	worker VARCHAR NOT NULL, 
	transport VARCHAR NOT NULL, 
	outcome VARCHAR NOT NULL, 
	error VARCHAR, 
	duration_seconds FLOAT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_delivery_attempt_notification_id ON delivery_attempt (notification_id);

CREATE TABLE evaluation (
	status VARCHAR NOT NULL, 
	actual FLOAT, 
	target FLOAT, 
	target_max FLOAT, 
	op VARCHAR, 
	unit VARCHAR, 
	margin FLOAT, 
	expected FLOAT, 
	data_time DATETIME, 
	cases INTEGER, 
	reason VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	commitment VARCHAR NOT NULL, 
	evaluated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_evaluation_commitment_time ON evaluation (commitment, evaluated_at);

CREATE TABLE notification (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	group_key VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	channel VARCHAR NOT NULL, 
	target VARCHAR NOT NULL, 
	to_addrs TEXT NOT NULL, 
	cc_addrs TEXT NOT NULL, 
	bcc_addrs TEXT NOT NULL, 
	subject TEXT NOT NULL, 
	body_text TEXT NOT NULL, 
	body_html TEXT NOT NULL, 
	payload TEXT NOT NULL, 
	message_id VARCHAR NOT NULL, 
	commitments TEXT NOT NULL, 
	state VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	due_at DATETIME NOT NULL, 
	claim_token VARCHAR, 
	claimed_by VARCHAR, 
	lease_until DATETIME, 
	sent_at DATETIME, 
	last_error VARCHAR, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_notification_claim_token ON notification (claim_token);

CREATE INDEX ix_notification_state_due ON notification (state, due_at);

CREATE TABLE observation (
	id INTEGER NOT NULL, 
	feed VARCHAR NOT NULL, 
	series VARCHAR NOT NULL, 
	fetched_at DATETIME NOT NULL, 
	data_time DATETIME NOT NULL, 
	value FLOAT, 
	n_cases INTEGER, 
	cases BLOB, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_observation_series_time ON observation (feed, series, data_time);

CREATE TABLE silence (
	id INTEGER NOT NULL, 
	commitment VARCHAR, 
	agency VARCHAR, 
	starts_at DATETIME NOT NULL, 
	ends_at DATETIME NOT NULL, 
	comment VARCHAR NOT NULL, 
	created_by VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

