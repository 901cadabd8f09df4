from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from .common import (
    SidecarCallsMixin,
    SidecarOverHttpMixin,
    activate_french,
    closed_port_url,
    point_at,
    unique_company_name,
)


@tagged("post_install", "-at_install")
class TestSchedule(SidecarCallsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tenant = cls.env["res.company"].create({"name": unique_company_name("Boutique Sport")})
        cls.Schedule = cls.env["quelyos.backup.schedule"]

    def _schedule(self, **values):
        return self.Schedule.create(dict({"company_id": self.tenant.id}, **values))

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    def test_hour_outside_the_day_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "hour must be between 0 and 23"):
            self._schedule(hour=24)
        with self.assertRaisesRegex(ValidationError, "hour must be between 0 and 23"):
            self._schedule(hour=-1)

    def test_minute_outside_the_hour_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "minute must be between 0 and 59"):
            self._schedule(minute=60)

    def test_weekly_schedule_needs_a_weekday(self):
        with self.assertRaisesRegex(ValidationError, "weekly schedule needs a day"):
            self._schedule(frequency="weekly")
        self.assertTrue(self._schedule(frequency="weekly", weekday="6"))

    def test_monthly_day_must_exist_in_every_month(self):
        with self.assertRaisesRegex(ValidationError, "between 1 and 28"):
            self._schedule(frequency="monthly", day_of_month=29)
        with self.assertRaisesRegex(ValidationError, "between 1 and 28"):
            self._schedule(frequency="monthly", day_of_month=0)
        self.assertTrue(self._schedule(frequency="monthly", day_of_month=28))
        # The day of the month only matters for a monthly schedule.
        self.assertTrue(self._schedule(frequency="daily", day_of_month=31))

    def test_retention_keeps_at_least_one_backup(self):
        with self.assertRaisesRegex(ValidationError, "at least one backup"):
            self._schedule(retention_count=0)

    def test_notification_email_must_be_an_address(self):
        with self.assertRaisesRegex(ValidationError, "not a valid address"):
            self._schedule(notification_email="admin at example")
        schedule = self._schedule(notification_email="sport@quelyos.com")
        self.assertEqual(schedule.notification_email, "sport@quelyos.com")

    def test_constraint_messages_are_in_french(self):
        if not activate_french(self.env):
            self.skipTest("fr_FR is not available in this database")
        french = self.Schedule.with_context(lang="fr_FR")
        with self.assertRaisesRegex(
            ValidationError, "L'heure doit être comprise entre 0 et 23"
        ):
            french.create({"company_id": self.tenant.id, "hour": 25})
        with self.assertRaisesRegex(
            ValidationError, "Une planification hebdomadaire a besoin"
        ):
            french.create({"company_id": self.tenant.id, "frequency": "weekly"})
        labels = dict(
            french._fields["frequency"]._description_selection(french.env)
        )
        self.assertEqual(
            labels,
            {"daily": "Quotidien", "weekly": "Hebdomadaire", "monthly": "Mensuel"},
        )

    # ------------------------------------------------------------------
    # Defaults and display
    # ------------------------------------------------------------------

    def test_time_zone_follows_the_tenant_or_paris(self):
        self.assertEqual(self._schedule().tz, "Europe/Paris")
        self.tenant.partner_id.tz = "America/New_York"
        self.assertEqual(self._schedule().tz, "America/New_York")
        self.assertEqual(self._schedule(tz="Asia/Tokyo").tz, "Asia/Tokyo")

    def test_time_is_shown_as_hh_mm(self):
        schedule = self._schedule(hour=3, minute=5)
        self.assertEqual(schedule.time_display, "03:05")
        self.assertIn(self.tenant.name, schedule.display_name)

    # ------------------------------------------------------------------
    # Next run: asked of the sidecar once the save is committed
    # ------------------------------------------------------------------

    def test_saving_asks_the_sidecar_for_the_next_run_after_commit(self):
        schedule = self._schedule()
        # Nothing is asked inside the transaction: the sidecar could not see it.
        self.assertFalse(self.calls_of("schedules.next_run"))
        self.env.cr.postcommit.run()
        self.assertEqual(
            self.calls_of("schedules.next_run"), [{"schedule_id": schedule.id}]
        )

    def test_changing_the_time_clears_and_refreshes_the_next_run(self):
        schedule = self._schedule()
        self.env.cr.postcommit.run()
        schedule.write({"next_run": "2026-02-01 01:00:00"})
        self.env.cr.postcommit.run()
        # The sidecar writing next_run back does not ask again (no loop).
        self.assertEqual(len(self.calls_of("schedules.next_run")), 1)
        schedule.write({"hour": 4})
        self.assertFalse(schedule.next_run)
        self.env.cr.postcommit.run()
        self.assertEqual(len(self.calls_of("schedules.next_run")), 2)

    def test_next_run_failure_does_not_undo_the_save(self):
        self.sidecar_answers["schedules.next_run"] = self.sidecar_error(-1)
        schedule = self._schedule(hour=5)
        with self.assertLogs(
            "odoo.addons.quelyos_tenant_backup.models.quelyos_backup_schedule",
            level="WARNING",
        ):
            self.env.cr.postcommit.run()
        self.assertTrue(schedule.exists())
        self.assertEqual(schedule.hour, 5)
        self.assertFalse(schedule.next_run)

    # ------------------------------------------------------------------
    # Run now, delete, cron
    # ------------------------------------------------------------------

    def test_run_now_starts_a_backup_of_the_schedule(self):
        self.sidecar_answers["backup.start"] = {"job_id": "j-1", "backup_id": "b-1"}
        schedule = self._schedule()
        action = schedule.action_run_now()
        self.assertEqual(
            self.calls_of("backup.start"),
            [{"tenant": self.tenant.id, "schedule_id": schedule.id}],
        )
        self.assertEqual(schedule.last_status, "running")
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("j-1", action["params"]["message"])

    def test_run_now_with_the_sidecar_down_is_a_clear_error(self):
        self.sidecar_answers["backup.start"] = self.sidecar_error(
            -1, text="The backup service cannot be reached"
        )
        schedule = self._schedule()
        with self.assertRaisesRegex(UserError, "cannot be reached"):
            schedule.action_run_now()

    def test_deleting_a_schedule_keeps_its_backups(self):
        schedule = self._schedule()
        backup = self.env["quelyos.backup"].create(
            {
                "backup_id": "b-kept",
                "company_id": self.tenant.id,
                "schedule_id": schedule.id,
                "origin": "schedule",
                "status": "done",
            }
        )
        self.assertEqual(schedule.backup_count, 1)
        schedule.action_delete()
        self.assertFalse(schedule.exists())
        self.assertTrue(backup.exists())
        self.assertFalse(backup.schedule_id)
        self.assertFalse(self.calls_of("backup.delete"))

    def test_cron_ticks_the_sidecar(self):
        self.sidecar_answers["schedules.tick"] = {
            "started": [{"schedule_id": 4, "job_id": "j-4"}],
            "next_runs": [],
        }
        self.assertTrue(self.Schedule._cron_schedules_tick())
        self.assertEqual(self.calls_of("schedules.tick"), [{}])

    def test_cron_logs_and_carries_on_when_the_sidecar_is_down(self):
        self.sidecar_answers["schedules.tick"] = self.sidecar_error(-1)
        with self.assertLogs(
            "odoo.addons.quelyos_tenant_backup.models.quelyos_backup_schedule",
            level="WARNING",
        ):
            self.assertFalse(self.Schedule._cron_schedules_tick())

    def test_cron_is_set_every_fifteen_minutes(self):
        cron = self.env.ref("quelyos_tenant_backup.ir_cron_quelyos_backup_schedules_tick")
        self.assertEqual((cron.interval_number, cron.interval_type), (15, "minutes"))
        self.assertTrue(cron.active)
        self.assertIn("_cron_schedules_tick", cron.code)


@tagged("post_install", "-at_install")
class TestScheduleUnreachableSidecar(SidecarOverHttpMixin, TransactionCase):
    """No canned answers: the sidecar URL points at a port nothing listens on."""

    def test_run_now_says_the_service_cannot_be_reached(self):
        url = closed_port_url()
        point_at(self.env, url)
        tenant = self.env["res.company"].create({"name": unique_company_name("Marque Mode")})
        schedule = self.env["quelyos.backup.schedule"].create({"company_id": tenant.id})
        with self.assertRaises(UserError) as caught:
            schedule.action_run_now()
        # Exactly UserError: the web client shows it as a warning, not a traceback.
        self.assertIs(type(caught.exception), UserError)
        self.assertIn("cannot be reached", str(caught.exception))
        self.assertIn(url, str(caught.exception))

    def test_french_message_when_the_service_cannot_be_reached(self):
        if not activate_french(self.env):
            self.skipTest("fr_FR is not available in this database")
        url = closed_port_url()
        point_at(self.env, url)
        sidecar = self.env["quelyos.backup.sidecar"].with_context(lang="fr_FR")
        with self.assertRaises(UserError) as caught:
            sidecar._backup_list()
        self.assertEqual(
            str(caught.exception),
            f"Le service de sauvegarde est injoignable ({url}). Vérifiez qu'il est "
            "démarré et l'URL dans les paramètres.",
        )
