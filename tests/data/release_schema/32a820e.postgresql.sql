-- The tables of release 32a820e, written by make.py; do not edit.

CREATE TABLE alert_group (
	key VARCHAR NOT NULL, 
	first_change_at TIMESTAMP WITH TIME ZONE, 
	last_sent_at TIMESTAMP WITH TIME ZONE, 
	cursor INTEGER NOT NULL, 
	PRIMARY KEY (key)
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
	evaluated_at TIMESTAMP WITH TIME ZONE, 
	active_since TIMESTAMP WITH TIME ZONE, 
	consecutive INTEGER NOT NULL, 
	last_bad_at TIMESTAMP WITH TIME ZONE, 
	fired_at TIMESTAMP WITH TIME ZONE, 
	resolved_at TIMESTAMP WITH TIME ZONE, 
	announced VARCHAR NOT NULL, 
	announced_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (commitment, alert)
);

CREATE TABLE alert_transition (
	id SERIAL NOT NULL, 
	commitment VARCHAR NOT NULL, 
	alert VARCHAR NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
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
	id SERIAL NOT NULL, 
	feed VARCHAR NOT NULL, 
	fetched_at TIMESTAMP WITH TIME ZONE NOT NULL, 
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
	data_time TIMESTAMP WITH TIME ZONE, 
	cases INTEGER, 
	reason VARCHAR NOT NULL, 
	commitment VARCHAR NOT NULL, 
	evaluated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	status_since TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (commitment)
);

CREATE TABLE delivery_attempt (
	id SERIAL NOT NULL, 
	notification_id INTEGER NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
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
	data_time TIMESTAMP WITH TIME ZONE, 
	cases INTEGER, 
	reason VARCHAR NOT NULL, 
	id SERIAL NOT NULL, 
	commitment VARCHAR NOT NULL, 
	evaluated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_evaluation_commitment_time ON evaluation (commitment, evaluated_at);

CREATE TABLE notification (
	id SERIAL NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
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
	due_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	claim_token VARCHAR, 
	claimed_by VARCHAR, 
	lease_until TIMESTAMP WITH TIME ZONE, 
	sent_at TIMESTAMP WITH TIME ZONE, 
	last_error VARCHAR, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_notification_claim_token ON notification (claim_token);

CREATE INDEX ix_notification_state_due ON notification (state, due_at);

CREATE TABLE observation (
	id SERIAL NOT NULL, 
	feed VARCHAR NOT NULL, 
	series VARCHAR NOT NULL, 
	fetched_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	data_time TIMESTAMP WITH TIME ZONE NOT NULL, 
	value FLOAT, 
	n_cases INTEGER, 
	cases BYTEA, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_observation_series_time ON observation (feed, series, data_time);

CREATE TABLE silence (
	id SERIAL NOT NULL, 
	commitment VARCHAR, 
	agency VARCHAR, 
	starts_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	ends_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	comment VARCHAR NOT NULL, 
	created_by VARCHAR NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);

