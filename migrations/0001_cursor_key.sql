ALTER TABLE `workspaces` ADD `cursor_key` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Existing workspaces get a random cursor key (ALTER TABLE cannot default to an expression).
UPDATE `workspaces` SET `cursor_key` = lower(hex(randomblob(32))) WHERE `cursor_key` = '';
