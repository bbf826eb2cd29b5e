CREATE TABLE `impact_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`status` text NOT NULL,
	`request` text NOT NULL,
	`baseline` text NOT NULL,
	`total` integer NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`chunks` integer DEFAULT 0 NOT NULL,
	`cursor` text,
	`tally` text NOT NULL,
	`result` text,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `impact_jobs_ws_idx` ON `impact_jobs` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `policy_shadows` (
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`source` text NOT NULL,
	`live_version` integer NOT NULL,
	`attached_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `name`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `audit_events` ADD `shadow` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `shadow_diverged` integer;--> statement-breakpoint
CREATE INDEX `audit_ws_shadow_time_idx` ON `audit_events` (`workspace_id`,`time`) WHERE shadow IS NOT NULL;