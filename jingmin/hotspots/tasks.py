"""Background jobs: analyses run here, outside the request (`jingmin worker`)."""

from jingmin.core.tasks import task


@task()
def analysis_run(analysis_id: int) -> str:
    from .services import analysis_execute

    return analysis_execute(analysis_id)
