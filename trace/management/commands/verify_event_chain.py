from trace.core.chain import verify_chain

from django.core.management.base import BaseCommand, CommandError

from api.models import Organization


class Command(BaseCommand):
    help = "Verify each organization's hash chain of events and name the first broken row."

    def add_arguments(self, parser):
        parser.add_argument("--organization", type=int, help="only this organization id")

    def handle(self, *args, organization=None, **options):
        orgs = Organization.objects.order_by("id")
        if organization is not None:
            orgs = orgs.filter(pk=organization)
            if not orgs.exists():
                raise CommandError(f"no organization with id {organization}")
        broken = 0
        for org in orgs:
            checked, failure = verify_chain(org.pk)
            if failure is None:
                if checked:
                    self.stdout.write(f"{org.pk} {org.name}: {checked} events, chain intact")
                continue
            broken += 1
            self.stdout.write(self.style.ERROR(
                f"{org.pk} {org.name}: chain broken at event pk={failure.event_pk} "
                f"(chain_seq {failure.chain_seq}): {failure.reason}; {checked} events before it are intact"
            ))
        if broken:
            raise CommandError(f"{broken} organization chain(s) broken")
