ALTER TABLE `audit_events` ADD `archived` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_unarchived_idx` ON `audit_events` (`time`) WHERE archived = 0;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `archive_retention_days` integer DEFAULT 400 NOT NULL;