CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_prefix_uq` ON `api_keys` (`prefix`);--> statement-breakpoint
CREATE INDEX `api_keys_ws_idx` ON `api_keys` (`workspace_id`);--> statement-breakpoint
CREATE TABLE `audit_dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text,
	`body` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_events` (
	`decision_id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`time` integer NOT NULL,
	`subject` text,
	`provider` text,
	`resource` text NOT NULL,
	`action` text NOT NULL,
	`decision` text NOT NULL,
	`policy` text,
	`policy_version` integer,
	`rule_id` text,
	`reasons` text DEFAULT '[]' NOT NULL,
	`input` text DEFAULT '{}' NOT NULL,
	`latency_ms` integer,
	`ip` text,
	`user_agent` text
);
--> statement-breakpoint
CREATE INDEX `audit_ws_time_idx` ON `audit_events` (`workspace_id`,`time`,`decision_id`);--> statement-breakpoint
CREATE INDEX `audit_ws_subject_time_idx` ON `audit_events` (`workspace_id`,`subject`,`time`);--> statement-breakpoint
CREATE INDEX `audit_ws_resource_action_time_idx` ON `audit_events` (`workspace_id`,`resource`,`action`,`time`);--> statement-breakpoint
CREATE INDEX `audit_ws_decision_time_idx` ON `audit_events` (`workspace_id`,`decision`,`time`);--> statement-breakpoint
CREATE TABLE `auth_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`issuer` text NOT NULL,
	`config` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `auth_providers_ws_issuer_uq` ON `auth_providers` (`workspace_id`,`issuer`);--> statement-breakpoint
CREATE UNIQUE INDEX `auth_providers_ws_name_uq` ON `auth_providers` (`workspace_id`,`name`);--> statement-breakpoint
CREATE TABLE `permissions` (
	`workspace_id` text NOT NULL,
	`resource` text NOT NULL,
	`action` text NOT NULL,
	`policies` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `resource`, `action`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `policies` (
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`current_version` integer NOT NULL,
	`latest_version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `name`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `policy_versions` (
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `name`, `version`)
);
--> statement-breakpoint
CREATE TABLE `records` (
	`workspace_id` text NOT NULL,
	`collection` text NOT NULL,
	`id` text NOT NULL,
	`data` text NOT NULL,
	`owner` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `collection`, `id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `records_ws_coll_created_idx` ON `records` (`workspace_id`,`collection`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `records_ws_coll_owner_idx` ON `records` (`workspace_id`,`collection`,`owner`);--> statement-breakpoint
CREATE TABLE `revocations` (
	`workspace_id` text NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`expires_at` integer,
	`created_at` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `kind`, `value`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`timezone` text DEFAULT 'UTC' NOT NULL,
	`audit_retention_days` integer DEFAULT 90 NOT NULL,
	`redact_keys` text DEFAULT '[]' NOT NULL,
	`route_map` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL
);
